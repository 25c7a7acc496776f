"""Consent as plain questions per group of people, through the same consent service as the grid."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.audit.models import AuditEntry
from carecircle.circles.consent_questions import (
    NOTHING_ELSE,
    QUESTION_TEXTS,
    SUMMARIES,
    question_text,
    questions_for,
    summary_sentence,
)
from carecircle.circles.forms import CONSENT_ROLES
from carecircle.circles.models import Role
from carecircle.circles.permissions import default_consent
from carecircle.circles.services import circle_create
from tests.cast import Cast, invite_and_join, make_user
from tests.circles.conftest import text_of


def _consent(cast: Cast) -> str:
    return reverse("circles:consent", args=[cast.circle.pk])


def test_the_person_is_asked_plain_questions_about_each_group(cast: Cast, as_user: Any) -> None:
    page = text_of(as_user(cast.person).get(_consent(cast))).replace("&#x27;", "'")
    assert "Can well-wishers read news about you and send their support?" in page
    assert "Can helpers read your care record: health, medicines, contacts and the emergency plan?" in page
    assert "<summary>Show every permission</summary>" in page
    # Professionals can never be given the family conversation, so they are not asked about it.
    assert "Can professionals read and write in the family conversation?" not in page


def test_each_group_has_a_summary_sentence(cast: Cast, as_user: Any) -> None:
    page = text_of(as_user(cast.person).get(_consent(cast)))
    assert "Now: Well-wishers can read news and send support." in page
    assert "Now: Paid carers can read news and send support, see and offer help" in page


def test_answering_no_withdraws_the_whole_question(cast: Cast, as_user: Any) -> None:
    record = reverse("records:section", args=[cast.circle.pk, "medications"])
    assert as_user(cast.paid_carer).get(record).status_code == 200
    response = as_user(cast.person).post(_consent(cast), {"form": "questions", "paid_carer-record": "no"}, follow=True)
    assert "Saved." in text_of(response)
    cast.circle.refresh_from_db()
    assert not [key for key in cast.circle.consent["paid_carer"] if key.startswith("records.read.")]
    assert as_user(cast.paid_carer).get(record).status_code == 403
    # Unanswered questions and other groups are left as they were.
    assert cast.circle.consent["helper"] == default_consent()["helper"]
    assert "tasks.view" in cast.circle.consent["paid_carer"]
    entry = AuditEntry.objects.get(action="consent.changed")
    assert set(entry.data["changes"]) == {"paid_carer"}


def test_answering_yes_grants_the_whole_question(cast: Cast, as_user: Any) -> None:
    people = reverse("circles:members", args=[cast.circle.pk])
    assert as_user(cast.well_wisher).get(people).status_code == 403
    as_user(cast.person).post(_consent(cast), {"form": "questions", "well_wisher-people": "yes"})
    cast.circle.refresh_from_db()
    assert {"members.view", "members.contact"} <= set(cast.circle.consent["well_wisher"])
    assert as_user(cast.well_wisher).get(people).status_code == 200


def test_an_answer_that_is_not_yes_or_no_is_refused(cast: Cast, as_user: Any) -> None:
    response = as_user(cast.person).post(_consent(cast), {"form": "questions", "helper-news": "maybe"})
    assert response.status_code == 400
    assert "Answer yes or no." in text_of(response)
    cast.circle.refresh_from_db()
    assert cast.circle.consent == {} or cast.circle.consent["helper"] == default_consent()["helper"]


def test_members_who_cannot_decide_cannot_answer(cast: Cast, as_user: Any) -> None:
    response = as_user(cast.organiser).post(_consent(cast), {"form": "questions", "helper-news": "no"})
    assert response.status_code == 403
    page = text_of(as_user(cast.helper).get(_consent(cast)))
    assert "Save answers" not in page
    assert "Well-wishers can read news and send support." in page


@pytest.mark.django_db
def test_organisers_deciding_are_asked_about_the_person_by_name(as_user: Any) -> None:
    organiser = make_user("ann", display_name="Ann Organiser")
    circle = circle_create(actor=organiser, person_name="Mum")
    invite_and_join(inviter=organiser, circle=circle, user=make_user("cy"), role=Role.HELPER)
    page = text_of(as_user(organiser).get(reverse("circles:consent", args=[circle.pk]))).replace("&#x27;", "'")
    assert "Can well-wishers read news about Mum and send their support?" in page
    assert "Can helpers add to and update Mum's care record?" in page


def test_the_summary_sentence_says_what_a_role_can_do() -> None:
    news = ["updates.read", "support.send"]
    with translation.override("en-gb"):
        assert summary_sentence(role=Role.WELL_WISHER, granted=news) == "Well-wishers can read news and send support."
        assert summary_sentence(role=Role.WELL_WISHER, granted=[]) == (
            "Well-wishers can see the circle, but nothing else."
        )
        assert summary_sentence(role=Role.HELPER, granted=[*news, "members.invite"]) == (
            "Helpers can read news and send support and do a little more (see every permission)."
        )
        assert summary_sentence(role=Role.HELPER, granted=["updates.read"]) == (
            "Helpers can do a few things (see every permission)."
        )
        assert summary_sentence(
            role=Role.PAID_CARER, granted=[*news, "tasks.view", "tasks.volunteer", "records.write", "records.delete"]
        ) == ("Paid carers can read news and send support, see and offer help and update the care record.")


def test_every_question_switches_only_what_the_role_may_be_given() -> None:
    for role in (Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL, Role.WELL_WISHER):
        for question, keys in questions_for(role):
            assert keys, question.key
            assert set(keys) <= set(question.capabilities)


def _speaking(user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_the_person_reads_the_questions_and_summaries_in_welsh(cast: Cast, as_user: Any) -> None:
    client = as_user(_speaking(cast.person, "cy"))
    page = text_of(client.get(_consent(cast))).replace("&#x27;", "'")
    # "Can well-wishers read news about you and send their support?", with Welsh answers.
    assert "Ydy cefnogwyr yn cael darllen newyddion amdanoch chi ac anfon eu cefnogaeth?" in page
    assert "Ydyn" in page
    assert "Nac ydyn" in page
    # "Helpers can read news and send support, see and offer help, …" as one Welsh sentence.
    assert "Mae cefnogwyr yn gallu darllen newyddion ac anfon cefnogaeth." in page
    assert "Can well-wishers" not in page
    assert "can read news" not in page


def test_an_organiser_is_asked_about_the_person_by_name_in_polish(as_user: Any, db: None) -> None:
    organiser = _speaking(make_user("ola", display_name="Ola Organiser"), "pl")
    circle = circle_create(actor=organiser, person_name="Mama")
    client = as_user(organiser)
    page = text_of(client.get(reverse("circles:consent", args=[circle.pk])))
    assert "Czy pomocnicy mogą uzupełniać i aktualizować kartę opieki osoby Mama?" in page
    assert "Osoby życzliwe mogą czytać wiadomości i wysyłać wsparcie." in page


def test_a_refused_answer_is_explained_in_welsh(cast: Cast, as_user: Any) -> None:
    client = as_user(_speaking(cast.person, "cy"))
    response = client.post(_consent(cast), {"form": "questions", "helper-news": "maybe"})
    assert response.status_code == 400
    assert "Dewiswch Ydyn neu Nac ydyn." in text_of(response)


def test_every_question_a_role_is_asked_is_a_whole_sentence_of_its_own() -> None:
    """Each (group, question) has its own sentences, so no group's name is pasted into a phrase."""
    asked = {(role, question.key) for role in CONSENT_ROLES for question, _keys in questions_for(role)}
    assert asked == set(QUESTION_TEXTS)
    assert set(SUMMARIES) == set(NOTHING_ELSE) == set(CONSENT_ROLES)
    with translation.override("pl"):
        for role, key in asked:
            question = next(q for q, _keys in questions_for(role) if q.key == key)
            for viewer_is_person in (True, False):
                text = question_text(
                    role=role, question=question, person_name="Tata", viewer_is_person=viewer_is_person
                )
                assert text.startswith("Czy "), text
                assert text.endswith("?"), text
        assert summary_sentence(
            role=Role.HELPER,
            granted=[
                "updates.read",
                "support.send",
                "tasks.view",
                "tasks.volunteer",
                "members.view",
                "members.contact",
            ],
        ) == (
            "Pomocnicy mogą czytać wiadomości i wysyłać wsparcie, widzieć potrzebną pomoc i ją oferować "
            "i widzieć, kto jeszcze jest w kręgu."
        )

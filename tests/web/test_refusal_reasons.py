"""The 403 page says what the viewer's role lacks and who can change that, in en, cy and pl.

A capability consent can give the role: the person decides when in the circle, else the organisers
(named). One only the owners have: "Only Dad and the circle's organisers", or only the organisers.
A closed circle: who can reopen it. An outsider still gets 404, with nothing about the circle.
docs/architecture/i18n.md, "Refusal pages and the hostile-input answer".
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from carecircle.circles.closing import circle_close
from carecircle.circles.models import Role
from carecircle.circles.services import circle_create
from tests.cast import Cast, invite_and_join, make_user
from tests.circles.conftest import text_of
from tests.web.test_error_pages_languages import speak


def refusal(as_user: Any, user: Any, language: str, url: str) -> str:
    speak(user, language)
    page = as_user(user).get(url)
    assert page.status_code == 403
    return text_of(page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "reason", "who"),
    [
        (
            "en-gb",
            "Your role in this circle doesn't include “Invite new people”.",
            "Dad decides what each role in this circle can see and do. Ask them if you need to do this.",
        ),
        (
            "cy",
            "Dydy eich rôl yn y cylch hwn ddim yn cynnwys “Gwahodd pobl newydd”.",
            "Dad sy'n penderfynu beth mae pob rôl yn y cylch hwn yn gallu ei weld a'i wneud.",
        ),
        ("pl", "Twoja rola w tym kręgu nie obejmuje uprawnienia „Zapraszać nowe osoby”.", "Dad decyduje"),
    ],
)
def test_a_permission_consent_can_give_names_the_person_who_decides(
    cast: Cast, as_user: Any, language: str, reason: str, who: str
) -> None:
    text = refusal(as_user, cast.helper, language, reverse("circles:invite", args=[cast.circle.pk]))

    assert reason in text
    assert who in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "reason", "who"),
    [
        (
            "en-gb",
            "Your role in this circle doesn't include “Change the circle's details”.",
            "Only Dad and the circle's organisers can do this.",
        ),
        (
            "cy",
            "Dydy eich rôl yn y cylch hwn ddim yn cynnwys “Newid manylion y cylch”.",
            "Dim ond Dad a threfnwyr y cylch sy'n gallu gwneud hyn.",
        ),
        (
            "pl",
            "Twoja rola w tym kręgu nie obejmuje uprawnienia „Zmieniać dane kręgu”.",
            "Mogą to zrobić tylko: Dad i organizatorzy kręgu.",
        ),
    ],
)
def test_a_permission_only_the_owners_have_names_them(
    cast: Cast, as_user: Any, language: str, reason: str, who: str
) -> None:
    text = refusal(as_user, cast.helper, language, reverse("circles:edit", args=[cast.circle.pk]))

    assert reason in text
    assert who in text
    # Nobody can give a helper this through consent: the page doesn't send them to ask for it.
    for asking in ("decides", "penderfynu", "decyduje"):
        assert asking not in text


@pytest.fixture
def circle_without_the_person(db: None) -> Any:
    organiser = make_user("ann", display_name="Ann")
    circle = circle_create(actor=organiser, person_name="Mama")
    helper = make_user("eve", display_name="Eve")
    invite_and_join(inviter=organiser, circle=circle, user=helper, role=Role.HELPER)
    return circle, organiser, helper


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "edit", "invite"),
    [
        ("en-gb", "Only the circle's organisers can do this.", "Ann, the organiser, decides"),
        ("cy", "Dim ond trefnwyr y cylch sy'n gallu gwneud hyn.", "Ann, y trefnydd, sy'n penderfynu"),
        ("pl", "Mogą to zrobić tylko organizatorzy kręgu.", "Ann"),
    ],
)
def test_without_the_person_the_organisers_change_access(
    circle_without_the_person: Any, as_user: Any, language: str, edit: str, invite: str
) -> None:
    circle, _organiser, helper = circle_without_the_person

    assert edit in refusal(as_user, helper, language, reverse("circles:edit", args=[circle.pk]))
    assert invite in refusal(as_user, helper, language, reverse("circles:invite", args=[circle.pk]))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en-gb",
            "This circle is closed, so nothing in it can be added or changed. Dad or an organiser can reopen it.",
        ),
        (
            "cy",
            "Mae'r cylch hwn wedi cau, felly does dim modd ychwanegu na newid dim byd ynddo. "
            "Gall Dad neu drefnydd ei ailagor.",
        ),
        (
            "pl",
            "Ten krąg jest zamknięty, więc nie można w nim niczego dodać ani zmienić. "
            "Może go ponownie otworzyć: Dad albo organizator.",
        ),
    ],
)
def test_a_closed_circle_says_who_can_reopen_it(cast: Cast, as_user: Any, language: str, expected: str) -> None:
    circle_close(actor=cast.organiser, circle=cast.circle, reason="died", message="")

    assert expected in refusal(as_user, cast.helper, language, reverse("circles:invite", args=[cast.circle.pk]))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en-gb", "cy", "pl"])
def test_an_outsider_still_learns_nothing_about_the_circle(cast: Cast, as_user: Any, language: str) -> None:
    speak(cast.outsider, language)

    page = as_user(cast.outsider).get(reverse("circles:edit", args=[cast.circle.pk]))

    assert page.status_code == 404
    text = text_of(page)
    for detail in ("Dad", cast.organiser.display_name, "“", "„"):
        assert detail not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "reason", "who"),
    [
        ("en-gb", "Your role in this circle doesn't include “Read medications”.", "Dad decides"),
        ("cy", "Dydy eich rôl yn y cylch hwn ddim yn cynnwys “Darllen meddyginiaethau”.", "Dad sy'n penderfynu"),
        ("pl", "Twoja rola w tym kręgu nie obejmuje uprawnienia „Czytać leki”.", "Dad decyduje"),
    ],
)
def test_a_record_section_the_role_cant_read_names_who_can_allow_it(
    cast: Cast, as_user: Any, language: str, reason: str, who: str
) -> None:
    url = reverse("records:section", args=[cast.circle.pk, "medications"])

    text = refusal(as_user, cast.well_wisher, language, url)

    assert reason in text
    assert who in text


@pytest.mark.django_db
def test_a_refusal_fetches_nothing_live_but_still_sends_what_was_kept_offline(cast: Cast, as_user: Any) -> None:
    # Sent whole on every visit (a 304 only confirms a 2xx): no live updates or unread count fetched,
    # so its repeat visit stays within 5 KB (docs/architecture/page-weight.md, "Refusals").
    refused = as_user(cast.helper).get(reverse("circles:invite", args=[cast.circle.pk]))
    shown = as_user(cast.helper).get(reverse("circles:home", args=[cast.circle.pk]))

    assert refused.status_code == 403
    assert shown.status_code == 200
    for script in ("web/live.js", "notifications/unread.js"):
        assert script in shown.content.decode()
        assert script not in refused.content.decode()
    for script in ("web/offline.js", "web/outbox.js"):
        assert script in refused.content.decode()

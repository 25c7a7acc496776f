"""Consent as a few plain questions per group of people, over the same capability map.

An older person deciding alone should not face sixty checkboxes: each question covers a handful of
capabilities ("Can well-wishers read news about you and send their support?"), and an answer switches all of them on
or off for that role through the same consent service. The full grid stays behind "Show every
permission" for anything finer. A question left unanswered (shown so when the grid set only part
of it) changes nothing.

Every question and summary is one whole translatable sentence per group of people (never a group's
name pasted into a phrase), because Welsh and Polish inflect the group and order the words
differently; docs/architecture/i18n.md says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy

from carecircle.circles.models import Role
from carecircle.circles.permissions import consentable_for


@dataclass(frozen=True)
class Question:
    key: str
    # What the role may do when the answer is yes, for the summary sentence: a phrase after "can".
    phrase: Promise
    capabilities: tuple[str, ...]


QUESTIONS: tuple[Question, ...] = (
    # Translators: the phrases below are joined into one sentence such as "Helpers can read news and
    # send support and see and offer help." They always follow "can"; choose a form that reads well
    # there and when joined by your word for "and".
    Question("news", pgettext_lazy("what a group can do, after 'can'", "read news and send support"),
             ("updates.read", "support.send")),
    Question("help", pgettext_lazy("what a group can do, after 'can'", "see and offer help"),
             ("tasks.view", "tasks.volunteer")),
    Question("people", pgettext_lazy("what a group can do, after 'can'", "see who else is in the circle"),
             ("members.view", "members.contact")),
    Question("record", pgettext_lazy("what a group can do, after 'can'", "read the care record"),
             ("records.read.about", "records.read.health", "records.read.medications", "records.read.contacts",
              "records.read.notes", "records.read.documents", "records.read.emergency")),
    Question("record_write", pgettext_lazy("what a group can do, after 'can'", "update the care record"),
             ("records.write", "records.delete")),
    Question("chat", pgettext_lazy("what a group can do, after 'can'", "talk in the family conversation"),
             ("conversations.read", "conversations.post")),
)  # fmt: skip

# Each question is one whole sentence per group of people, so translators can inflect the group's
# name and word the question as their language needs. A pair is (asked of the person themself,
# asked of an organiser about the person by name); a question that doesn't mention the person has
# the same sentence twice.
QUESTION_TEXTS: dict[tuple[Role, str], tuple[Promise, Promise]] = {
    (Role.HELPER, "news"): (
        # Translators: a yes/no question asked of the person the circle is about ("you").
        pgettext_lazy(
            "consent question, asked of the person", "Can helpers read news about you and send their support?"
        ),
        # Translators: the same question asked of an organiser; %(person)s is the name of the person
        # the circle is about, such as "Mum" or "Dad". It is not inflected, so word the sentence around it.
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can helpers read news about %(person)s and send their support?",
        ),
    ),
    (Role.HELPER, "help"): (
        pgettext_lazy("consent question", "Can helpers see what help is needed and offer to do it?"),
    )
    * 2,
    (Role.HELPER, "people"): (
        pgettext_lazy("consent question", "Can helpers see who else is in the circle and how to reach them?"),
    )
    * 2,
    (Role.HELPER, "record"): (
        pgettext_lazy(
            "consent question, asked of the person",
            "Can helpers read your care record: health, medicines, contacts and the emergency plan?",
        ),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can helpers read %(person)s's care record: health, medicines, contacts and the emergency plan?",
        ),
    ),
    (Role.HELPER, "record_write"): (
        pgettext_lazy("consent question, asked of the person", "Can helpers add to and update your care record?"),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can helpers add to and update %(person)s's care record?",
        ),
    ),
    (Role.HELPER, "chat"): (
        pgettext_lazy("consent question", "Can helpers read and write in the family conversation?"),
    )
    * 2,
    (Role.PAID_CARER, "news"): (
        pgettext_lazy(
            "consent question, asked of the person", "Can paid carers read news about you and send their support?"
        ),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can paid carers read news about %(person)s and send their support?",
        ),
    ),
    (Role.PAID_CARER, "help"): (
        pgettext_lazy("consent question", "Can paid carers see what help is needed and offer to do it?"),
    )
    * 2,
    (Role.PAID_CARER, "people"): (
        pgettext_lazy("consent question", "Can paid carers see who else is in the circle and how to reach them?"),
    )
    * 2,
    (Role.PAID_CARER, "record"): (
        pgettext_lazy(
            "consent question, asked of the person",
            "Can paid carers read your care record: health, medicines, contacts and the emergency plan?",
        ),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can paid carers read %(person)s's care record: health, medicines, contacts and the emergency plan?",
        ),
    ),
    (Role.PAID_CARER, "record_write"): (
        pgettext_lazy("consent question, asked of the person", "Can paid carers add to and update your care record?"),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can paid carers add to and update %(person)s's care record?",
        ),
    ),
    (Role.PAID_CARER, "chat"): (
        pgettext_lazy("consent question", "Can paid carers read and write in the family conversation?"),
    )
    * 2,
    (Role.PROFESSIONAL, "news"): (
        pgettext_lazy(
            "consent question, asked of the person", "Can professionals read news about you and send their support?"
        ),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can professionals read news about %(person)s and send their support?",
        ),
    ),
    (Role.PROFESSIONAL, "help"): (
        pgettext_lazy("consent question", "Can professionals see what help is needed and offer to do it?"),
    )
    * 2,
    (Role.PROFESSIONAL, "people"): (
        pgettext_lazy("consent question", "Can professionals see who else is in the circle and how to reach them?"),
    )
    * 2,
    (Role.PROFESSIONAL, "record"): (
        pgettext_lazy(
            "consent question, asked of the person",
            "Can professionals read your care record: health, medicines, contacts and the emergency plan?",
        ),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can professionals read %(person)s's care record: health, medicines, contacts and the emergency plan?",
        ),
    ),
    (Role.PROFESSIONAL, "record_write"): (
        pgettext_lazy("consent question, asked of the person", "Can professionals add to and update your care record?"),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can professionals add to and update %(person)s's care record?",
        ),
    ),
    (Role.WELL_WISHER, "news"): (
        pgettext_lazy(
            "consent question, asked of the person", "Can well-wishers read news about you and send their support?"
        ),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can well-wishers read news about %(person)s and send their support?",
        ),
    ),
    (Role.WELL_WISHER, "help"): (
        pgettext_lazy("consent question", "Can well-wishers see what help is needed and offer to do it?"),
    )
    * 2,
    (Role.WELL_WISHER, "people"): (
        pgettext_lazy("consent question", "Can well-wishers see who else is in the circle and how to reach them?"),
    )
    * 2,
    (Role.WELL_WISHER, "record"): (
        pgettext_lazy(
            "consent question, asked of the person",
            "Can well-wishers read your care record: health, medicines, contacts and the emergency plan?",
        ),
        pgettext_lazy(
            "consent question, asked about the person by name",
            "Can well-wishers read %(person)s's care record: health, medicines, contacts and the emergency plan?",
        ),
    ),
    (Role.WELL_WISHER, "chat"): (
        pgettext_lazy("consent question", "Can well-wishers read and write in the family conversation?"),
    )
    * 2,
}


# The summary sentence, whole for each group: "%(things)s" is the joined phrases above.
SUMMARIES: dict[Role, Promise] = {
    # Translators: %(things)s is a list of what helpers can do, such as "read news and send support and
    # see and offer help", built from the phrases marked "what a group can do, after 'can'".
    Role.HELPER: pgettext_lazy("consent summary", "Helpers can %(things)s."),
    Role.PAID_CARER: pgettext_lazy("consent summary", "Paid carers can %(things)s."),
    Role.PROFESSIONAL: pgettext_lazy("consent summary", "Professionals can %(things)s."),
    Role.WELL_WISHER: pgettext_lazy("consent summary", "Well-wishers can %(things)s."),
}
NOTHING_ELSE: dict[Role, Promise] = {
    Role.HELPER: pgettext_lazy("consent summary", "Helpers can see the circle, but nothing else."),
    Role.PAID_CARER: pgettext_lazy("consent summary", "Paid carers can see the circle, but nothing else."),
    Role.PROFESSIONAL: pgettext_lazy("consent summary", "Professionals can see the circle, but nothing else."),
    Role.WELL_WISHER: pgettext_lazy("consent summary", "Well-wishers can see the circle, but nothing else."),
}

# Translators: the answers to "Can helpers ...?"; in Welsh, for example, they agree with the question.
ANSWERS = [
    ("yes", pgettext_lazy("answer to a consent question about a group", "Yes")),
    ("no", pgettext_lazy("answer to a consent question about a group", "No")),
]


def questions_for(role: Role) -> list[tuple[Question, tuple[str, ...]]]:
    """The questions that apply to a role, each with the capabilities it can switch for that role."""
    allowed = {capability.key for capability in consentable_for(role)}
    found = []
    for question in QUESTIONS:
        keys = tuple(key for key in question.capabilities if key in allowed)
        if keys:
            found.append((question, keys))
    return found


def question_text(*, role: Role, question: Question, person_name: str, viewer_is_person: bool) -> str:
    """The question as one sentence in the active language, to the person ("you") or about them by name."""
    to_the_person, about_the_person = QUESTION_TEXTS[(role, question.key)]
    if viewer_is_person:
        return str(to_the_person)
    return str(about_the_person) % {"person": person_name}


def listed(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c" in the active language."""
    if len(items) <= 1:
        return "".join(items)
    # Translators: joins the things a group can do: "read news, see and offer help and update the record".
    # %(earlier)s is the list so far, separated by the list separator; %(last)s is the final item.
    return pgettext("joining a list", "%(earlier)s and %(last)s") % {
        "earlier": pgettext("list separator", ", ").join(items[:-1]),
        "last": items[-1],
    }


def summary_sentence(*, role: Role, granted: Iterable[str]) -> str:
    """What a role may do in one sentence: "Well-wishers can read news and send support."."""
    chosen = set(granted)
    whole = [(question, keys) for question, keys in questions_for(role) if set(keys) <= chosen]
    phrases = [str(question.phrase) for question, _keys in whole]
    covered = {key for _question, keys in whole for key in keys}
    if chosen - covered:
        # Grants made in the grid that no whole question covers.
        if phrases:
            phrases.append(pgettext("what a group can do, after 'can'", "do a little more (see every permission)"))
        else:
            phrases.append(pgettext("what a group can do, after 'can'", "do a few things (see every permission)"))
    if not phrases:
        return str(NOTHING_ELSE[role])
    return str(SUMMARIES[role]) % {"things": listed(phrases)}


class ConsentQuestionsForm(forms.Form):
    """One yes/no question per field, named "<role>-<question>"; answers fold into the current grants."""

    def __init__(
        self,
        *args: Any,
        consent: Mapping[str, list[str]],
        roles: Iterable[Role],
        person_name: str,
        viewer_is_person: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.consent = consent
        self.roles = list(roles)
        for role in self.roles:
            granted = set(consent.get(role.value, []))
            for question, keys in questions_for(role):
                name = f"{role.value}-{question.key}"
                self.fields[name] = forms.ChoiceField(
                    label=question_text(
                        role=role, question=question, person_name=person_name, viewer_is_person=viewer_is_person
                    ),
                    choices=ANSWERS,
                    required=False,
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": gettext("Answer yes or no.")},
                )
                if set(keys) <= granted:
                    self.initial[name] = "yes"
                elif not set(keys) & granted:
                    self.initial[name] = "no"

    def grouped(self) -> list[tuple[Role, list[forms.BoundField]]]:
        return [(role, [self[f"{role.value}-{q.key}"] for q, _ in questions_for(role)]) for role in self.roles]

    def grants(self) -> dict[str, list[str]]:
        """The current grants with each answered question's capabilities switched on or off."""
        result: dict[str, list[str]] = {}
        for role in self.roles:
            chosen = set(self.consent.get(role.value, []))
            for question, keys in questions_for(role):
                answer = self.cleaned_data.get(f"{role.value}-{question.key}")
                if answer == "yes":
                    chosen |= set(keys)
                elif answer == "no":
                    chosen -= set(keys)
            result[role.value] = sorted(chosen)
        return result

"""Consent as a few plain questions per group of people, over the same capability map.

An older person deciding alone should not face sixty checkboxes: each question covers a handful of
capabilities ("Can your well-wishers read news about you?"), and an answer switches all of them on
or off for that role through the same consent service. The full grid stays behind "Show every
permission" for anything finer. A question left unanswered (shown so when the grid set only part
of it) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms

from carecircle.circles.models import Role
from carecircle.circles.permissions import consentable_for
from carecircle.lib.words import joined


@dataclass(frozen=True)
class Question:
    key: str
    # "{whose}" is "your" or "Dad's"; "{about}" is "you" or "Dad".
    text: str
    # What the role may do when the answer is yes, for the summary sentence.
    phrase: str
    capabilities: tuple[str, ...]


QUESTIONS: tuple[Question, ...] = (
    Question("news", "read news about {about} and send their support", "read news and send support",
             ("updates.read", "support.send")),
    Question("help", "see what help is needed and offer to do it", "see and offer help",
             ("tasks.view", "tasks.volunteer")),
    Question("people", "see who else is in the circle and how to reach them", "see who else is in the circle",
             ("members.view", "members.contact")),
    Question("record", "read {whose} care record: health, medicines, contacts and the emergency plan",
             "read the care record",
             ("records.read.about", "records.read.health", "records.read.medications", "records.read.contacts",
              "records.read.notes", "records.read.documents", "records.read.emergency")),
    Question("record_write", "add to and update {whose} care record", "update the care record",
             ("records.write", "records.delete")),
    Question("chat", "read and write in the family conversation", "talk in the family conversation",
             ("conversations.read", "conversations.post")),
)  # fmt: skip

ANSWERS = [("yes", "Yes"), ("no", "No")]


def questions_for(role: Role) -> list[tuple[Question, tuple[str, ...]]]:
    """The questions that apply to a role, each with the capabilities it can switch for that role."""
    allowed = {capability.key for capability in consentable_for(role)}
    found = []
    for question in QUESTIONS:
        keys = tuple(key for key in question.capabilities if key in allowed)
        if keys:
            found.append((question, keys))
    return found


def summary_sentence(*, role: Role, plural: str, granted: Iterable[str]) -> str:
    """What a role may do in one sentence: "Well-wishers can read news and send support."."""
    chosen = set(granted)
    phrases = [question.phrase for question, keys in questions_for(role) if set(keys) <= chosen]
    covered = {key for question, keys in questions_for(role) if set(keys) <= chosen for key in keys}
    if chosen - covered:
        # Grants made in the grid that no whole question covers.
        extra = "do a little more" if phrases else "do a few things"
        phrases.append(f"{extra} (see every permission)")
    if not phrases:
        return f"{plural} can see the circle, but nothing else."
    return f"{plural} can {joined(phrases)}."


class ConsentQuestionsForm(forms.Form):
    """One yes/no question per field, named "<role>-<question>"; answers fold into the current grants."""

    def __init__(
        self,
        *args: Any,
        consent: Mapping[str, list[str]],
        roles: Iterable[Role],
        plurals: Mapping[Role, str],
        person_name: str,
        viewer_is_person: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.consent = consent
        self.roles = list(roles)
        words = {
            "whose": "your" if viewer_is_person else f"{person_name}'s",
            "about": "you" if viewer_is_person else person_name,
        }
        for role in self.roles:
            granted = set(consent.get(role.value, []))
            for question, keys in questions_for(role):
                name = f"{role.value}-{question.key}"
                self.fields[name] = forms.ChoiceField(
                    label=f"Can {plurals[role].lower()} {question.text.format(**words)}?",
                    choices=ANSWERS,
                    required=False,
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": "Answer yes or no."},
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

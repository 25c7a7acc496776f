"""Small wording rules a reader notices: "an allergy", no "(s)", phone examples that work, who decides access."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.urls import reverse

import carecircle
from carecircle.accounts.forms import ProfileForm
from carecircle.circles.forms import InviteForm
from carecircle.circles.models import Role
from carecircle.circles.services import circle_create
from carecircle.lib.phones import phone_e164
from tests.cast import Cast, invite_and_join, make_user

SOURCE = Path(carecircle.__file__).parent
# "(s)" after a letter: "task(s)", "reminder(s)". Code like "f(s)" is a call, so only text is scanned:
# templates, and the string literals of Python modules.
# "http(s)" names two URL schemes, not a plural.
_PLURAL_IN_BRACKETS = re.compile(r"(?<!htt)[A-Za-z]\((?:s|es)\)")
_STRING_LITERAL = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")


def _texts() -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for path in sorted(SOURCE.rglob("*")):
        if "migrations" in path.parts or not path.is_file():
            continue
        if path.suffix in {".html", ".txt"}:
            found.append((path, path.read_text()))
        elif path.suffix == ".py":
            found.extend((path, literal) for literal in _STRING_LITERAL.findall(path.read_text()))
    return found


def test_it_finds_templates_and_messages_to_scan() -> None:
    texts = _texts()
    assert any(path.suffix == ".html" for path, _ in texts)
    assert any("Enter a mobile number" in text for _, text in texts)


def test_no_template_or_message_writes_a_plural_in_brackets() -> None:
    offenders = [
        f"{path.relative_to(SOURCE)}: {match}" for path, text in _texts() for match in _PLURAL_IN_BRACKETS.findall(text)
    ]
    assert offenders == []


def test_the_scan_would_catch_a_bracketed_plural() -> None:
    assert _PLURAL_IN_BRACKETS.findall('f"Queued {n} reminder(s)."') == ["r(s)"]
    assert _PLURAL_IN_BRACKETS.findall('"an http(s) address"') == []


@pytest.mark.parametrize(("section", "button"), [("allergies", "Add an allergy"), ("medications", "Add a medication")])
def test_the_add_button_uses_the_right_article(cast: Cast, as_user: Any, section: str, button: str) -> None:
    page = as_user(cast.organiser).get(reverse("records:section", args=[cast.circle.pk, section]))
    assert page.status_code == 200
    assert button in page.content.decode()
    form = as_user(cast.organiser).get(reverse("records:entry_add", args=[cast.circle.pk, section]))
    assert f"<h1>{button}</h1>" in form.content.decode()


# A UK number written the usual way, in a hint or an error: "07911 123456", "020 7946 0000".
_UK_EXAMPLE = re.compile(r"\b0\d{2,4} \d{3,4} ?\d{3,4}\b")


def _phone_examples(field: forms.Field) -> list[str]:
    texts = [str(field.help_text), *(str(message) for message in field.error_messages.values())]
    return [example for text in texts for example in _UK_EXAMPLE.findall(text)]


def test_the_profile_phone_field_accepts_the_example_it_shows() -> None:
    examples = _phone_examples(ProfileForm.base_fields["phone"])
    assert examples, "the phone field shows an example"
    for example in examples:
        assert phone_e164(example).startswith("+44")


def test_the_invitation_phone_field_accepts_the_example_it_shows() -> None:
    examples = _phone_examples(InviteForm.base_fields["phone"])
    assert examples, "the phone field shows an example"
    for example in examples:
        assert phone_e164(example).startswith("+447")


def test_every_mobile_example_in_messages_is_a_number_the_fields_accept() -> None:
    examples = {example for _, text in _texts() for example in _UK_EXAMPLE.findall(text) if example.startswith("07")}
    assert "07911 123456" in examples
    for example in examples:
        assert phone_e164(example).startswith("+447"), example
        assert phone_e164(example).startswith("+447"), example


def test_a_refusal_names_the_person_when_they_are_in_the_circle(cast: Cast, as_user: Any) -> None:
    page = as_user(cast.helper).get(reverse("circles:invite", args=[cast.circle.pk]))
    assert page.status_code == 403
    assert "Dad decides what each role in this circle can see and do" in page.content.decode()


@pytest.mark.django_db
def test_a_refusal_names_the_organisers_when_the_person_is_not_in_the_circle(as_user: Any) -> None:
    organiser = make_user("ann", display_name="Ann Organiser")
    circle = circle_create(actor=organiser, person_name="Mum")
    second = make_user("bob", display_name="Bob Organiser")
    invite_and_join(inviter=organiser, circle=circle, user=second, role=Role.ORGANISER)
    helper = make_user("cy", display_name="Cy Helper")
    invite_and_join(inviter=organiser, circle=circle, user=helper, role=Role.HELPER)
    page = as_user(helper).get(reverse("circles:invite", args=[circle.pk]))
    assert page.status_code == 403
    assert "The organisers (Ann Organiser and Bob Organiser) decide" in page.content.decode()
    assert "Mum decides" not in page.content.decode()

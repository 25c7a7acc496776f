"""The record, conversations, activity log and tasks speak Welsh and Polish, with each language's plurals."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from carecircle.audit.display import entry_sentence
from carecircle.audit.models import AuditEntry
from carecircle.records.display import SENTENCES as RECORD_SENTENCES
from carecircle.records.forms import EntryForm
from carecircle.records.sections import SECTION_BY_KEY, Field, in_english
from carecircle.records.values import clean_field, display_value
from carecircle.tasks.sentences import SENTENCES as TASK_SENTENCES


def test_it_names_record_sections_and_their_add_buttons_in_each_language() -> None:
    allergies = SECTION_BY_KEY["allergies"]
    with translation.override("cy"):
        assert (str(allergies.title), str(allergies.add_title)) == ("Alergeddau", "Ychwanegu alergedd")
    with translation.override("pl"):
        assert (str(allergies.title), str(allergies.add_title)) == ("Alergie", "Dodaj alergię")
    with translation.override("en-gb"):
        assert str(allergies.add_title) == "Add an allergy"


def test_it_shows_a_stored_choice_in_the_readers_language() -> None:
    severity = next(field for field in SECTION_BY_KEY["allergies"].fields if field.name == "severity")
    with translation.override("pl"):
        assert display_value(severity, "life_threatening") == "Zagrażające życiu"
    with translation.override("cy"):
        assert display_value(severity, "life_threatening") == "Bygwth bywyd"


def test_text_kept_for_everyone_is_written_in_english_whoever_reads() -> None:
    with translation.override("cy"), in_english():
        assert str(SECTION_BY_KEY["medications"].title) == "Medications"


def test_counts_take_each_languages_plural_forms() -> None:
    template = Template(
        "{% load i18n %}{% blocktranslate count count=n %}{{ count }} entry{% plural %}{{ count }} entries"
        "{% endblocktranslate %}"
    )
    with translation.override("pl"):
        assert [template.render(Context({"n": n})) for n in (1, 3, 5, 22)] == [
            "1 wpis",
            "3 wpisy",
            "5 wpisów",
            "22 wpisy",
        ]
    with translation.override("en-gb"):
        assert [template.render(Context({"n": n})) for n in (1, 3)] == ["1 entry", "3 entries"]


def test_activity_log_sentences_read_whole_in_welsh_and_polish() -> None:
    left = AuditEntry(action="member.left", actor_name="Ann", data={})
    cant_cover = AuditEntry(action="tasks.cant_cover", actor_name="Ann", data={"tasks": 5})
    shared = AuditEntry(action="record.share_created", actor_name="Ann", subject_name="Nurse Jo", data={"hours": 24})
    with translation.override("cy"):
        assert entry_sentence(left) == "Gadawodd Ann y cylch"
        assert RECORD_SENTENCES["record.share_created"](shared) == (
            "Rhannodd Ann y cofnod am 24 awr (derbynnydd: Nurse Jo)"
        )
    with translation.override("pl"):
        assert TASK_SENTENCES["tasks.cant_cover"](cant_cover) == (
            "Ann przez jakiś czas nie może pomagać; 5 zadań znów potrzebuje pomocy"
        )
    with translation.override("en-gb"):
        assert TASK_SENTENCES["tasks.cant_cover"](cant_cover) == (
            "Ann said they can't cover for a while; 5 tasks need help again"
        )


def test_an_empty_required_field_has_a_whole_sentence_of_its_own_in_each_language() -> None:
    """Not the label pasted into "Enter the %(field)s.": Welsh "Rhowch" mutates what follows, and
    English read "Enter the allergic to."."""
    required = [field for section in SECTION_BY_KEY.values() for field in section.fields if field.required]
    assert len(required) == 5
    messages = {}
    for language in ("en-gb", "cy", "pl"):
        with translation.override(language):
            messages[language] = [str(field.required_message) for field in required]
    assert messages["en-gb"][1] == "Enter what causes the allergy."
    assert "Rhowch enw'r feddyginiaeth." in messages["cy"]
    assert "Wpisz nazwę leku." in messages["pl"]
    for language in ("cy", "pl"):
        assert not set(messages[language]) & set(messages["en-gb"]), language
    with pytest.raises(ValueError, match="required_message"):
        Field("name", "Name", required=True)


def test_the_form_and_the_values_check_give_the_fields_own_sentence() -> None:
    medicine = next(field for field in SECTION_BY_KEY["medications"].fields if field.name == "name")
    with translation.override("cy"):
        with pytest.raises(ValueError, match=r"Rhowch enw'r feddyginiaeth\."):
            clean_field(medicine, "  ")
        form = EntryForm(data={"audience": "everyone"}, section=SECTION_BY_KEY["medications"], can_sensitive=True)
        assert form.errors["name"] == ["Rhowch enw'r feddyginiaeth."]

"""The sections of the shared record and the fields of their entries, declared once.

Pages, forms, the API, history diffs, exports and the FHIR bundle all read these declarations, so
adding a field means adding one line here. Entry values are stored as text in `RecordEntry.data`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Field:
    name: str
    label: StrOrPromise
    # text, long (several lines), date, choice, phone, email, number, nhs_number.
    type: str = "text"
    required: bool = False
    hint: StrOrPromise = ""
    choices: tuple[tuple[str, StrOrPromise], ...] = ()
    # Only organisers and the person (capability records.read.sensitive) ever see or change it.
    sensitive: bool = False
    max_length: int = 200
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    unit: StrOrPromise = ""
    # A date that can't be in the future, such as a date of birth.
    past: bool = False
    # What a required field says when it is left empty, as a whole sentence: pasting the label into
    # "Enter the %(field)s." read "Enter the allergic to." in English and could not take the soft
    # mutation Welsh needs after "Rhowch" (docs/architecture/i18n.md, "Required record fields").
    required_message: StrOrPromise = ""

    def __post_init__(self) -> None:
        if self.required and not self.required_message:
            raise ValueError(f"The required field {self.name!r} needs its own required_message.")


@dataclass(frozen=True)
class Section:
    key: str
    title: StrOrPromise
    # The entry kind of this section (one kind per section keeps pages and the API simple).
    kind: str
    # The noun in English, for API messages and document file names.
    noun: str
    intro: StrOrPromise
    fields: tuple[Field, ...]
    # A single entry (About me, the emergency plan) rather than a list.
    single: bool = False
    # The field that names an entry in lists, history and the audit log.
    title_field: str = ""
    # The fields shown after the title on one line of an entry's compact card ("5 mg · 1 tablet ·
    # twice a day"): what a reader scans for. The others follow, labelled, in smaller type.
    card_line: tuple[str, ...] = ()
    # The button and heading that add an entry ("Add an allergy"), whole so translators can inflect it.
    add_title: StrOrPromise = ""

    @property
    def capability(self) -> str:
        """The capability that reads it; conditions and allergies share "health" (circles/permissions.py)."""
        return f"records.read.{CAPABILITY_SECTION.get(self.key, self.key)}"


def in_english() -> translation.override:
    """English while building text stored in the database (the access log's "what"), whoever is reading."""
    return translation.override(settings.LANGUAGE_CODE)


LONG = 2000
# About me's fields that say who the person is (shown at the top of the summary, not in its list).
IDENTITY_FIELDS = ("full_name", "preferred_name", "date_of_birth", "nhs_number", "gp_practice", "address")
CAPABILITY_SECTION = {"conditions": "health", "allergies": "health"}

SEVERITIES = (
    ("mild", _("Mild")),
    ("moderate", _("Moderate")),
    ("severe", _("Severe")),
    ("life_threatening", _("Life-threatening")),
)
CONTACT_KINDS = (
    ("gp", _("GP surgery")),
    ("pharmacy", _("Pharmacy")),
    ("social_worker", _("Social worker")),
    ("agency", _("Care agency")),
    ("emergency", _("Emergency contact")),
    ("hospital", _("Hospital or clinic")),
    ("other", _("Other")),
)
MOODS = (
    ("good", _("Good")),
    ("okay", _("Okay")),
    ("low", _("Low")),
    ("anxious", _("Anxious or upset")),
)

ABOUT = Section(
    key="about",
    title=_("About me"),
    kind="about",
    noun="About me",
    intro=_("Who I am, what matters, routines and what helps: the page a hospital asks for."),
    single=True,
    fields=(
        # Identity: the summary, the PDF and the FHIR Patient name the person with these, under the
        # same consent as the rest of About me (records.read.about).
        Field("full_name", _("My full name"), hint=_("As on letters from the GP or hospital."), max_length=120),
        Field("preferred_name", _("What I like to be called"), hint=_('For example "Jim".'), max_length=80),
        Field("date_of_birth", _("My date of birth"), "date", past=True),
        Field(
            "nhs_number",
            _("My NHS number"),
            "nhs_number",
            hint=_("10 digits, on letters from the GP or hospital and in the NHS App."),
            max_length=20,
        ),
        Field("gp_practice", _("My GP practice"), hint=_('For example "Riverside Surgery, Leeds".'), max_length=200),
        Field("address", _("My address"), "long", max_length=500),
        Field("what_matters", _("What matters to me"), "long", max_length=LONG),
        Field("routines", _("My routines"), "long", max_length=LONG),
        Field("likes", _("What I like"), "long", max_length=LONG),
        Field("dislikes", _("What I don't like"), "long", max_length=LONG),
        Field("communication", _("How I communicate"), "long", max_length=LONG),
        Field("when_anxious", _("What helps when I'm anxious"), "long", max_length=LONG),
    ),
)
CONDITIONS = Section(
    key="conditions",
    title=_("Health conditions"),
    kind="condition",
    noun="condition",
    add_title=_("Add a condition"),
    intro=_("Long-term conditions and diagnoses."),
    title_field="name",
    card_line=("since",),
    fields=(
        Field(
            "name",
            _("Condition"),
            required=True,
            required_message=_("Enter the condition."),
            hint=_('For example "Type 2 diabetes".'),
        ),
        Field("since", _("Since when"), "date"),
        Field("notes", _("Notes"), "long", max_length=LONG),
    ),
)
ALLERGIES = Section(
    key="allergies",
    title=_("Allergies"),
    kind="allergy",
    noun="allergy",
    add_title=_("Add an allergy"),
    intro=_("What causes a reaction, what happens and how bad it is."),
    title_field="substance",
    card_line=("severity", "reaction"),
    fields=(
        Field(
            "substance",
            _("Allergic to"),
            required=True,
            required_message=_("Enter what causes the allergy."),
            hint=_('For example "Penicillin".'),
        ),
        Field("reaction", _("What happens"), hint=_('For example "rash and swelling".')),
        Field("severity", _("How bad it is"), "choice", choices=SEVERITIES),
        Field("notes", _("Notes"), "long", max_length=LONG),
    ),
)
MEDICATIONS = Section(
    key="medications",
    title=_("Medications"),
    kind="medication",
    noun="medication",
    add_title=_("Add a medication"),
    intro=_("What is taken, how much, when and why. Stopped medicines stay in their own list."),
    title_field="name",
    card_line=("strength", "dose", "schedule"),
    fields=(
        Field(
            "name",
            _("Medicine"),
            required=True,
            required_message=_("Enter the medicine."),
            hint=_('For example "Metformin".'),
        ),
        Field("strength", _("Strength"), hint=_('For example "500 mg".'), max_length=60),
        Field("dose", _("Dose"), hint=_('For example "1 tablet".'), max_length=60),
        Field("schedule", _("When"), hint=_('For example "twice a day with food".')),
        Field("reason", _("What it's for")),
        Field("prescriber", _("Prescribed by")),
        Field("started", _("Started"), "date"),
        Field("stopped", _("Stopped"), "date", hint=_("Leave empty while it is still taken.")),
    ),
)
CONTACTS = Section(
    key="contacts",
    title=_("Key contacts"),
    kind="contact",
    noun="contact",
    add_title=_("Add a contact"),
    intro=_("GP surgery, pharmacy, social worker, agencies and emergency contacts."),
    title_field="name",
    card_line=("role", "phone"),
    fields=(
        Field(
            "name",
            _("Name"),
            required=True,
            # Translators: a contact in the record (a person or a place, like a surgery) was left without a name.
            required_message=_("Enter the name."),
            hint=_('A person or a place, like "Riverside Surgery".'),
        ),
        Field("role", _("Who they are"), "choice", choices=CONTACT_KINDS),
        Field("phone", _("Phone"), "phone", max_length=32),
        Field("email", _("Email"), "email", max_length=254),
        Field("address", _("Address"), "long", max_length=500),
        Field("notes", _("Notes"), "long", max_length=LONG),
    ),
)
NOTES = Section(
    key="notes",
    title=_("Daily notes"),
    kind="note",
    noun="note",
    add_title=_("Add a note"),
    intro=_("How the day went, and measurements if you took any."),
    title_field="text",
    fields=(
        Field("mood", _("Mood"), "choice", choices=MOODS),
        Field("eating", _("Eating and drinking")),
        Field("sleep", _("Sleep")),
        Field("mobility", _("Getting about")),
        Field("text", _("Notes"), "long", max_length=LONG),
        Field(
            "weight", _("Weight"), "number", minimum=Decimal(1), maximum=Decimal(400), unit=pgettext_lazy("unit", "kg")
        ),
        Field(
            "systolic",
            _("Blood pressure, top number"),
            "number",
            minimum=Decimal(40),
            maximum=Decimal(300),
            unit="mmHg",
        ),
        Field(
            "diastolic",
            _("Blood pressure, bottom number"),
            "number",
            minimum=Decimal(20),
            maximum=Decimal(200),
            unit="mmHg",
        ),
        Field("temperature", _("Temperature"), "number", minimum=Decimal(30), maximum=Decimal(45), unit="°C"),
    ),
)
DOCUMENTS = Section(
    key="documents",
    title=_("Documents"),
    kind="document",
    noun="document",
    add_title=_("Add a document"),
    intro=_("Letters, care plans and photos of paperwork, as PDF or pictures."),
    title_field="title",
    fields=(
        Field(
            "title",
            _("Title"),
            required=True,
            required_message=_("Enter the title."),
            hint=_('For example "Discharge letter, March".'),
        ),
        Field("description", _("Description"), "long", max_length=LONG),
    ),
)
EMERGENCY = Section(
    key="emergency",
    title=_("Emergency plan"),
    kind="emergency",
    noun="emergency plan",
    intro=_("What to do if the main person helping can't, who steps in and where things are."),
    single=True,
    fields=(
        Field("if_main_carer_cant", _("If the main person helping can't be there"), "long", max_length=LONG),
        Field("stand_ins", _("Who can step in"), "long", max_length=LONG),
        Field(
            "where_things_are", _("Where things are"), "long", max_length=LONG, hint=_("Medicines, documents, keys.")
        ),
        Field(
            "key_safe",
            _("Key safe and door codes"),
            "long",
            max_length=500,
            sensitive=True,
            hint=_("Only organisers and the person see this."),
        ),
    ),
)

# Capabilities name sections as circles/permissions.py does: conditions and allergies share "health".
SECTIONS: tuple[Section, ...] = (ABOUT, CONDITIONS, ALLERGIES, MEDICATIONS, CONTACTS, NOTES, DOCUMENTS, EMERGENCY)
SECTION_BY_KEY: dict[str, Section] = {section.key: section for section in SECTIONS}

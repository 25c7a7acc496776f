"""The sections of the shared record and the fields of their entries, declared once.

Pages, forms, the API, history diffs, exports and the FHIR bundle all read these declarations, so
adding a field means adding one line here. Entry values are stored as text in `RecordEntry.data`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from carecircle.lib.words import with_article


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    # text, long (several lines), date, choice, phone, email, number, nhs_number.
    type: str = "text"
    required: bool = False
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    # Only organisers and the person (capability records.read.sensitive) ever see or change it.
    sensitive: bool = False
    max_length: int = 200
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    unit: str = ""
    # A date that can't be in the future, such as a date of birth.
    past: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    # The entry kind of this section (one kind per section keeps pages and the API simple).
    kind: str
    noun: str
    intro: str
    fields: tuple[Field, ...]
    # A single entry (About me, the emergency plan) rather than a list.
    single: bool = False
    # The field that names an entry in lists, history and the audit log.
    title_field: str = ""
    # The fields shown after the title on one line of an entry's compact card ("5 mg · 1 tablet ·
    # twice a day"): what a reader scans for. The others follow, labelled, in smaller type.
    card_line: tuple[str, ...] = ()

    @property
    def noun_with_article(self) -> str:
        """ "an allergy", "a medication": for "Add an allergy"."""
        return with_article(self.noun)

    @property
    def capability(self) -> str:
        """The capability that reads it; conditions and allergies share "health" (circles/permissions.py)."""
        return f"records.read.{CAPABILITY_SECTION.get(self.key, self.key)}"


LONG = 2000
# About me's fields that say who the person is (shown at the top of the summary, not in its list).
IDENTITY_FIELDS = ("full_name", "preferred_name", "date_of_birth", "nhs_number", "gp_practice", "address")
CAPABILITY_SECTION = {"conditions": "health", "allergies": "health"}

SEVERITIES = (
    ("mild", "Mild"),
    ("moderate", "Moderate"),
    ("severe", "Severe"),
    ("life_threatening", "Life-threatening"),
)
CONTACT_KINDS = (
    ("gp", "GP surgery"),
    ("pharmacy", "Pharmacy"),
    ("social_worker", "Social worker"),
    ("agency", "Care agency"),
    ("emergency", "Emergency contact"),
    ("hospital", "Hospital or clinic"),
    ("other", "Other"),
)
MOODS = (
    ("good", "Good"),
    ("okay", "Okay"),
    ("low", "Low"),
    ("anxious", "Anxious or upset"),
)

ABOUT = Section(
    key="about",
    title="About me",
    kind="about",
    noun="About me",
    intro="Who I am, what matters, routines and what helps: the page a hospital asks for.",
    single=True,
    fields=(
        # Identity: the summary, the PDF and the FHIR Patient name the person with these, under the
        # same consent as the rest of About me (records.read.about).
        Field("full_name", "My full name", hint="As on letters from the GP or hospital.", max_length=120),
        Field("preferred_name", "What I like to be called", hint='For example "Jim".', max_length=80),
        Field("date_of_birth", "My date of birth", "date", past=True),
        Field(
            "nhs_number",
            "My NHS number",
            "nhs_number",
            hint="10 digits, on letters from the GP or hospital and in the NHS App.",
            max_length=20,
        ),
        Field("gp_practice", "My GP practice", hint='For example "Riverside Surgery, Leeds".', max_length=200),
        Field("address", "My address", "long", max_length=500),
        Field("what_matters", "What matters to me", "long", max_length=LONG),
        Field("routines", "My routines", "long", max_length=LONG),
        Field("likes", "What I like", "long", max_length=LONG),
        Field("dislikes", "What I don't like", "long", max_length=LONG),
        Field("communication", "How I communicate", "long", max_length=LONG),
        Field("when_anxious", "What helps when I'm anxious", "long", max_length=LONG),
    ),
)
CONDITIONS = Section(
    key="conditions",
    title="Health conditions",
    kind="condition",
    noun="condition",
    intro="Long-term conditions and diagnoses.",
    title_field="name",
    card_line=("since",),
    fields=(
        Field("name", "Condition", required=True, hint='For example "Type 2 diabetes".'),
        Field("since", "Since when", "date"),
        Field("notes", "Notes", "long", max_length=LONG),
    ),
)
ALLERGIES = Section(
    key="allergies",
    title="Allergies",
    kind="allergy",
    noun="allergy",
    intro="What causes a reaction, what happens and how bad it is.",
    title_field="substance",
    card_line=("severity", "reaction"),
    fields=(
        Field("substance", "Allergic to", required=True, hint='For example "Penicillin".'),
        Field("reaction", "What happens", hint='For example "rash and swelling".'),
        Field("severity", "How bad it is", "choice", choices=SEVERITIES),
        Field("notes", "Notes", "long", max_length=LONG),
    ),
)
MEDICATIONS = Section(
    key="medications",
    title="Medications",
    kind="medication",
    noun="medication",
    intro="What is taken, how much, when and why. Stopped medicines stay in their own list.",
    title_field="name",
    card_line=("strength", "dose", "schedule"),
    fields=(
        Field("name", "Medicine", required=True, hint='For example "Metformin".'),
        Field("strength", "Strength", hint='For example "500 mg".', max_length=60),
        Field("dose", "Dose", hint='For example "1 tablet".', max_length=60),
        Field("schedule", "When", hint='For example "twice a day with food".'),
        Field("reason", "What it's for"),
        Field("prescriber", "Prescribed by"),
        Field("started", "Started", "date"),
        Field("stopped", "Stopped", "date", hint="Leave empty while it is still taken."),
    ),
)
CONTACTS = Section(
    key="contacts",
    title="Key contacts",
    kind="contact",
    noun="contact",
    intro="GP surgery, pharmacy, social worker, agencies and emergency contacts.",
    title_field="name",
    card_line=("role", "phone"),
    fields=(
        Field("name", "Name", required=True, hint='A person or a place, like "Riverside Surgery".'),
        Field("role", "Who they are", "choice", choices=CONTACT_KINDS),
        Field("phone", "Phone", "phone", max_length=32),
        Field("email", "Email", "email", max_length=254),
        Field("address", "Address", "long", max_length=500),
        Field("notes", "Notes", "long", max_length=LONG),
    ),
)
NOTES = Section(
    key="notes",
    title="Daily notes",
    kind="note",
    noun="note",
    intro="How the day went, and measurements if you took any.",
    title_field="text",
    fields=(
        Field("mood", "Mood", "choice", choices=MOODS),
        Field("eating", "Eating and drinking"),
        Field("sleep", "Sleep"),
        Field("mobility", "Getting about"),
        Field("text", "Notes", "long", max_length=LONG),
        Field("weight", "Weight", "number", minimum=Decimal(1), maximum=Decimal(400), unit="kg"),
        Field(
            "systolic", "Blood pressure, top number", "number", minimum=Decimal(40), maximum=Decimal(300), unit="mmHg"
        ),
        Field(
            "diastolic",
            "Blood pressure, bottom number",
            "number",
            minimum=Decimal(20),
            maximum=Decimal(200),
            unit="mmHg",
        ),
        Field("temperature", "Temperature", "number", minimum=Decimal(30), maximum=Decimal(45), unit="°C"),
    ),
)
DOCUMENTS = Section(
    key="documents",
    title="Documents",
    kind="document",
    noun="document",
    intro="Letters, care plans and photos of paperwork, as PDF or pictures.",
    title_field="title",
    fields=(
        Field("title", "Title", required=True, hint='For example "Discharge letter, March".'),
        Field("description", "Description", "long", max_length=LONG),
    ),
)
EMERGENCY = Section(
    key="emergency",
    title="Emergency plan",
    kind="emergency",
    noun="emergency plan",
    intro="What to do if the main person helping can't, who steps in and where things are.",
    single=True,
    fields=(
        Field("if_main_carer_cant", "If the main person helping can't be there", "long", max_length=LONG),
        Field("stand_ins", "Who can step in", "long", max_length=LONG),
        Field("where_things_are", "Where things are", "long", max_length=LONG, hint="Medicines, documents, keys."),
        Field(
            "key_safe",
            "Key safe and door codes",
            "long",
            max_length=500,
            sensitive=True,
            hint="Only organisers and the person see this.",
        ),
    ),
)

# Capabilities name sections as circles/permissions.py does: conditions and allergies share "health".
SECTIONS: tuple[Section, ...] = (ABOUT, CONDITIONS, ALLERGIES, MEDICATIONS, CONTACTS, NOTES, DOCUMENTS, EMERGENCY)
SECTION_BY_KEY: dict[str, Section] = {section.key: section for section in SECTIONS}

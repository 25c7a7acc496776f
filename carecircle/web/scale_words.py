"""Names and texts for `carecircle seed-scale`: plausible, varied, and valid for every field they fill."""

from __future__ import annotations

import random

from carecircle.circles.models import Role
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_title
from carecircle.tasks.models import Category

FIRST_NAMES = (
    "Amira", "Ben", "Chloe", "Dev", "Elin", "Femi", "Grace", "Harry", "Ifan", "Jas", "Kasia", "Liam", "Maya",
    "Niamh", "Oscar", "Priya", "Rhys", "Sadia", "Tom", "Uma", "Wiktor", "Yusuf", "Zoe", "Aled", "Bronwen",
)  # fmt: skip
LAST_NAMES = (
    "Ahmed", "Brown", "Davies", "Evans", "Green", "Hughes", "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Owen",
    "Patel", "Roberts", "Smith", "Taylor", "Walker", "Williams", "Wright", "Zielinski",
)  # fmt: skip
PEOPLE = ("Mum", "Dad", "Gran", "Grandad", "Auntie Jo", "Uncle Dai", "Nain", "Taid", "Babcia", "Mr Hughes")
RELATIONSHIPS = {
    Role.PERSON: ("",),
    Role.ORGANISER: ("daughter", "son", "wife", "husband", "niece"),
    Role.HELPER: ("son", "daughter", "neighbour", "friend", "grandson", "cousin"),
    Role.PAID_CARER: ("carer from the agency", "private carer"),
    Role.PROFESSIONAL: ("district nurse", "GP", "social worker", "link worker"),
    Role.WELL_WISHER: ("friend from church", "old colleague", "cousin", "neighbour"),
}
TASK_TITLES = {
    Category.LIFT: ("Lift to the hospital", "Lift to the dentist", "Lift to the day centre"),
    Category.MEAL: ("Cook Sunday lunch", "Bring a meal round", "Soup for the freezer"),
    Category.SHOPPING: ("Weekly shop", "Pick up prescriptions", "Buy birthday card"),
    Category.VISIT: ("Sunday visit", "Cup of tea and a chat", "Walk in the park"),
    Category.APPOINTMENT: ("Eye test", "Memory clinic", "Hearing aid check"),
    Category.MEDICATION: ("Sort the pill box", "Collect blister packs"),
    Category.PERSONAL_CARE: ("Help with a bath", "Hair appointment"),
    Category.HOUSEHOLD: ("Mow the lawn", "Change the bed", "Put the bins out"),
    Category.PAPERWORK: ("Blue badge renewal", "Attendance allowance form"),
    Category.PAID_VISIT: ("Morning visit", "Evening visit"),
    Category.OTHER: ("Fix the TV", "Take the dog out"),
}
MESSAGES = (
    "Popped in this morning, all fine. She ate a good breakfast.",
    "Can anyone cover Thursday? I'm stuck at work.",
    "Thanks so much for doing the shopping!",
    "The nurse came and changed the dressing. Healing well.",
    "He was a bit tired today but enjoyed the football on TV.",
    "I've booked the eye test for the 14th, I'll take him.",
    "Lovely photo, thank you for sharing.",
    "Remember the bins go out on Tuesday night.",
    "She asked after all of you today.",
    "New prescription is at the pharmacy, ready from 2pm.",
    "Had a good chat about the old days. Lots of laughs.",
    "I'll be away next week, back on the 20th.",
    "The heating man is coming on Friday between 8 and 12.",
    "Feeling much brighter today after a good night's sleep.",
    "Thinking of you all. Sending love.",
)
UPDATE_TITLES = ("Good news from the clinic", "A quieter week", "Home from hospital", "Birthday tea", "All well")
RECORD_SAMPLES: dict[str, tuple[dict[str, str], ...]] = {
    "about": (
        {
            "preferred_name": "Jim",
            "what_matters": "Seeing the grandchildren and the garden.",
            "routines": "Up at seven, tea with two sugars.",
            "likes": "Brass bands, crosswords.",
            "communication": "Speak clearly on his left side.",
        },
    ),
    "emergency": (
        {
            "if_main_carer_cant": "Ring Ben first, then the agency.",
            "stand_ins": "Ben, Priya next door.",
            "where_things_are": "Medicines in the kitchen cupboard, folder in the sideboard.",
        },
    ),
    "conditions": (
        {"name": "Type 2 diabetes", "since": "2015-03-01"},
        {"name": "Arthritis", "notes": "Worse in the cold."},
        {"name": "Heart failure"},
        {"name": "Vascular dementia", "since": "2022-06-01"},
    ),
    "allergies": (
        {"substance": "Penicillin", "reaction": "Rash and swelling", "severity": "severe"},
        {"substance": "Elastoplast", "reaction": "Itchy skin", "severity": "mild"},
    ),
    "medications": (
        {"name": "Metformin", "strength": "500 mg", "dose": "1 tablet", "schedule": "twice a day with food"},
        {"name": "Ramipril", "strength": "5 mg", "dose": "1 capsule", "schedule": "in the morning"},
        {"name": "Paracetamol", "strength": "500 mg", "dose": "2 tablets", "schedule": "up to four times a day"},
        {"name": "Donepezil", "strength": "10 mg", "dose": "1 tablet", "schedule": "at night"},
    ),
    "contacts": (
        {"name": "Riverside Surgery", "role": "gp", "phone": "029 2000 0000"},
        {"name": "High Street Pharmacy", "role": "pharmacy"},
        {"name": "Caring Hands agency", "role": "agency", "phone": "0161 496 0000"},
        {"name": "Ben Davies", "role": "emergency", "phone": "07700 900123"},
    ),
    "notes": (
        {"mood": "good", "eating": "Ate well", "text": "Chatty and bright today."},
        {"mood": "okay", "sleep": "Woke twice", "text": "Quiet morning, better after lunch."},
        {"mood": "low", "text": "Missing Mum today. Looked at old photos together.", "weight": "71.5"},
        {"mood": "good", "text": "Walked to the post box and back.", "systolic": "132", "diastolic": "84"},
    ),
}


def full_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def person_name(rng: random.Random) -> str:
    return rng.choice(PEOPLE)


def relationship(rng: random.Random, role: str) -> str:
    return rng.choice(RELATIONSHIPS[Role(role)])


def task_title(rng: random.Random, category: str) -> str:
    return rng.choice(TASK_TITLES[Category(category)])


def update_title(rng: random.Random) -> str:
    return rng.choice(UPDATE_TITLES)


def record_values(rng: random.Random, section_key: str) -> tuple[dict[str, str], str]:
    """Every field of the section (empty when not filled), as the services store them, and the entry's title."""
    section = SECTION_BY_KEY[section_key]
    sample = rng.choice(RECORD_SAMPLES[section_key])
    data = {field.name: sample.get(field.name, "") for field in section.fields}
    return data, entry_title(section, data)

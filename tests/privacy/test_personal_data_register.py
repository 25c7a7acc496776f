"""Every model holding personal data is in the register, with every personal-looking field declared."""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings
from django.db import models

from carecircle.lib.personal_data import models_without_personal_data, personal_models

# Field names that usually hold something about a person.
PERSONAL_NAMES = re.compile(
    r"(^|_)(name|email|phone|address|ip|agent|body|note|notes|text|title|description|photo|image|file|birth|"
    r"nhs|feeling|recipient|to|secret|key|data|details|reason|how_it_went|outcome|mentions|relationship|"
    r"consent|arrived|left|seen|login|password|label|what|job|sections|transports|thumbnail|html|error)($|_)"
)
PERSONAL_TYPES = (
    models.EmailField,
    models.GenericIPAddressField,
    models.FileField,
    models.BinaryField,
    models.TextField,
    models.JSONField,
)
# Models that hold personal data whatever their fields look like.
KNOWN_PERSONAL = {
    "accounts.User",
    "circles.Circle",
    "circles.Membership",
    "records.RecordEntry",
    "records.RecordDocument",
    "records.RecordView",
    "conversations.Message",
    "audit.AuditEntry",
    "notifications.Delivery",
}


def our_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if model.__module__.startswith("carecircle.")]


def looks_personal(field: models.Field) -> bool:  # type: ignore[type-arg]
    if isinstance(field, models.ForeignKey | models.OneToOneField) and field.related_model == apps.get_model(
        settings.AUTH_USER_MODEL
    ):
        return True
    return isinstance(field, PERSONAL_TYPES) or bool(PERSONAL_NAMES.search(field.name))


def test_every_model_is_either_declared_or_declared_to_hold_nothing_personal():
    register = personal_models()
    none = models_without_personal_data()
    missing = []
    for model in our_models():
        label = model._meta.label
        if label in register or label in none:
            continue
        fields = [field.name for field in model._meta.concrete_fields if looks_personal(field)]
        if fields or label in KNOWN_PERSONAL:
            missing.append(f"{label} ({', '.join(fields)})")
    assert not missing, "Add these to their app's personal_data.py:\n" + "\n".join(missing)


def test_every_personal_looking_field_of_a_declared_model_is_declared():
    undeclared = []
    for label, entry in personal_models().items():
        model = apps.get_model(label)
        for field in model._meta.concrete_fields:
            if looks_personal(field) and field.name not in entry.fields and field.name not in entry.not_personal:
                undeclared.append(f"{label}.{field.name}")
    assert not undeclared, "Declare these fields (or say why they aren't personal):\n" + "\n".join(undeclared)


def test_the_register_names_no_field_that_does_not_exist():
    wrong = []
    for label, entry in personal_models().items():
        names = {field.name for field in apps.get_model(label)._meta.concrete_fields}
        wrong += [f"{label}.{name}" for name in [*entry.fields, *entry.not_personal] if name not in names]
    assert not wrong, wrong


def test_every_entry_says_whose_why_and_how_long():
    for entry in personal_models().values():
        assert entry.whose, entry.label
        assert entry.why, entry.label
        assert entry.retention, entry.label


def test_a_new_model_with_an_email_field_would_be_caught():
    class Probe(models.Model):  # noqa: DJ008
        contact_email = models.EmailField()

        class Meta:
            app_label = "accounts"
            managed = False

    try:
        assert looks_personal(Probe._meta.get_field("contact_email"))
    finally:
        apps.all_models["accounts"].pop("probe", None)
        apps.clear_cache()

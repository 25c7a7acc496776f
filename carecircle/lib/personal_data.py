"""The register of personal data: every model field that holds it, declared once, with what, whose, why and how long.

Each app declares its models in its own `personal_data.py` (found by `personal_data_autodiscover`).
A model is either declared with its personal fields, or declared as holding none (with a reason).
tests/privacy/test_personal_data_register.py fails when a model that looks personal is missing or
one of its personal-looking fields is undeclared. Subject access, erasure and retention read this
register (docs/architecture/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PersonalModel:
    label: str  # "app_label.ModelName"
    whose: str  # whose data it is: "the account holder", "the person being helped", "the author"…
    why: str  # the purpose it is kept for
    retention: str  # how long: a sentence, naming the setting or the event that ends it
    fields: dict[str, str] = field(default_factory=dict)  # field name → what it holds
    # Fields that look personal to the register's test but are not (hashes, ids), with why.
    not_personal: dict[str, str] = field(default_factory=dict)


_REGISTER: dict[str, PersonalModel] = {}
_NOT_PERSONAL: dict[str, str] = {}


def personal_data_declare(
    label: str,
    *,
    whose: str,
    why: str,
    retention: str,
    fields: dict[str, str],
    not_personal: dict[str, str] | None = None,
) -> None:
    if label in _REGISTER or label in _NOT_PERSONAL:
        raise ValueError(f"{label} is declared twice in the personal-data register.")
    _REGISTER[label] = PersonalModel(label, whose, why, retention, dict(fields), dict(not_personal or {}))


def no_personal_data(label: str, *, reason: str) -> None:
    if label in _REGISTER or label in _NOT_PERSONAL:
        raise ValueError(f"{label} is declared twice in the personal-data register.")
    _NOT_PERSONAL[label] = reason


def personal_data_autodiscover() -> None:
    """Import every app's personal_data module once, so the register is complete."""
    if not _REGISTER:
        autodiscover_modules("personal_data")


def personal_models() -> dict[str, PersonalModel]:
    personal_data_autodiscover()
    return dict(_REGISTER)


def models_without_personal_data() -> dict[str, str]:
    personal_data_autodiscover()
    return dict(_NOT_PERSONAL)

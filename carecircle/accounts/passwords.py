"""Refuse passwords that follow patterns attackers try first, with advice on a better one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

MINIMUM_SCORE = 3  # zxcvbn's "safely unguessable: moderate protection from offline attacks".
SITE_WORDS = ["carecircle", "care", "circle", "carer", "caring"]


class GuessablePatternValidator:
    """Uses zxcvbn, which recognises common passwords, names, dates, keyboard runs and repeats."""

    def validate(self, password: str, user: Any = None) -> None:
        user_inputs = list(SITE_WORDS)
        if user is not None:
            for attribute in ("email", "display_name"):
                value = getattr(user, attribute, "") or ""
                user_inputs.extend(part for part in value.replace("@", " ").replace(".", " ").split() if part)
        result = zxcvbn(password[:100], user_inputs=user_inputs)
        if result["score"] >= MINIMUM_SCORE:
            return
        feedback = result.get("feedback") or {}
        warning = feedback.get("warning") or "This password would be easy to guess."
        suggestions = " ".join(feedback.get("suggestions") or [])
        advice = suggestions or "Try three or four unrelated words together."
        raise ValidationError(f"{warning.rstrip('.')}. {advice}", code="password_guessable")

    def get_help_text(self) -> str:
        return "Avoid names, dates, keyboard patterns and common passwords; three or four unrelated words work well."

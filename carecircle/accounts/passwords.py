"""Password checks, with their refusals and advice in the reader's language.

Django's own validators are translated into Polish by Django but not into Welsh, so each one used
in settings is subclassed here with its words in the accounts catalog (the same English). zxcvbn's
advice is English only: its sentences are repeated below so that `make messages` puts them in the
accounts catalog, and each is translated when the password is checked, inside the request.
docs/architecture/i18n.md, "Password advice".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop, npgettext, pgettext
from zxcvbn import zxcvbn

MINIMUM_SCORE = 3  # zxcvbn's "safely unguessable: moderate protection from offline attacks".
SITE_WORDS = ["carecircle", "care", "circle", "carer", "caring"]

# zxcvbn 4.5's warnings and suggestions, word for word (zxcvbn/feedback.py): the msgids must match
# what the library returns. A sentence the library adds later is shown in English until it is added here.
ZXCVBN_FEEDBACK = (
    gettext_noop("Use a few words, avoid common phrases."),
    gettext_noop("No need for symbols, digits, or uppercase letters."),
    gettext_noop("Add another word or two. Uncommon words are better."),
    gettext_noop("Straight rows of keys are easy to guess."),
    gettext_noop("Short keyboard patterns are easy to guess."),
    gettext_noop("Use a longer keyboard pattern with more turns."),
    gettext_noop('Repeats like "aaa" are easy to guess.'),
    gettext_noop('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    gettext_noop("Avoid repeated words and characters."),
    gettext_noop('Sequences like "abc" or "6543" are easy to guess.'),
    gettext_noop("Avoid sequences."),
    gettext_noop("Recent years are easy to guess."),
    gettext_noop("Avoid recent years."),
    gettext_noop("Avoid years that are associated with you."),
    gettext_noop("Dates are often easy to guess."),
    gettext_noop("Avoid dates and years that are associated with you."),
    gettext_noop("This is a top-10 common password."),
    gettext_noop("This is a top-100 common password."),
    gettext_noop("This is a very common password."),
    gettext_noop("This is similar to a commonly used password."),
    gettext_noop("A word by itself is easy to guess."),
    gettext_noop("Names and surnames by themselves are easy to guess."),
    gettext_noop("Common names and surnames are easy to guess."),
    gettext_noop("Capitalization doesn't help very much."),
    gettext_noop("All-uppercase is almost as easy to guess as all-lowercase."),
    gettext_noop("Reversed words aren't much harder to guess."),
    gettext_noop("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


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
        warning = (
            gettext(feedback["warning"])
            if feedback.get("warning")
            else gettext("This password would be easy to guess.")
        )
        suggestions = [gettext(suggestion) for suggestion in feedback.get("suggestions") or []]
        advice = " ".join(suggestions) or gettext("Try three or four unrelated words together.")
        raise ValidationError(" ".join((warning, advice)), code="password_guessable")

    def get_help_text(self) -> str:
        return gettext(
            "Avoid names, dates, keyboard patterns and common passwords; three or four unrelated words work well."
        )


# Django's auth catalog holds the same English and comes first in INSTALLED_APPS, so the messages below
# carry the context "password check": the accounts catalog decides the Polish as well as the Welsh.


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its words in the accounts catalog."""

    def get_error_message(self) -> str:
        return npgettext(
            "password check",
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return npgettext(
            "password check",
            "Your password must contain at least %(min_length)d character.",
            "Your password must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's, naming the person's details in one sentence rather than pasting in a field's name."""

    def get_error_message(self) -> str:
        # Django passes the field's name as %(verbose_name)s; a whole sentence reads better in every language.
        return pgettext(
            "password check",
            "This password is too like your name or email address. Choose one that has nothing to do with you.",
        )

    def get_help_text(self) -> str:
        return pgettext("password check", "Your password can't be too like your name or email address.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's, with its words in the accounts catalog."""

    def get_error_message(self) -> str:
        return pgettext("password check", "This password is too common.")

    def get_help_text(self) -> str:
        return pgettext("password check", "Your password can't be a commonly used password.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    """Django's, with its words in the accounts catalog."""

    def get_error_message(self) -> str:
        return pgettext("password check", "This password is entirely numeric.")

    def get_help_text(self) -> str:
        return pgettext("password check", "Your password can't be entirely numeric.")

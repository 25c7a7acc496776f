"""Forms for two-step sign-in, the security page and "Confirm it's you"."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Enter the code from your authenticator app, or a recovery code.")},
    )


class TotpSetupForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        help_text=_("After adding CareCircle to the app, type the 6-digit code it shows."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Enter the 6-digit code the app shows.")},
    )


class PasskeyForm(forms.Form):
    name = forms.CharField(
        label=_("A name for this passkey"),
        max_length=80,
        required=False,
        help_text=_("So you can tell your passkeys apart, like “My phone” or “Work laptop”."),
    )
    credential = forms.CharField(widget=forms.HiddenInput, max_length=20000, required=True)


class PasskeyAnswerForm(forms.Form):
    credential = forms.CharField(widget=forms.HiddenInput, max_length=20000)


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )

"""Forms for the record pages, built from the section declarations; records/values.py checks the values."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carecircle.circles.forms import ClientIdField, DateInput, Radios, _with_client_id
from carecircle.lib.phones import phone_e164
from carecircle.lib.text import TextRefused, single_line
from carecircle.records.documents import document_limit
from carecircle.records.models import Audience
from carecircle.records.sections import SECTIONS, Field, Section
from carecircle.records.services import SHARE_HOURS
from carecircle.records.values import InvalidValues, clean_values


def _form_field(spec: Field) -> forms.Field:
    common: dict[str, Any] = {
        "label": spec.label,
        "required": spec.required,
        "help_text": spec.hint,
        "error_messages": {"required": spec.required_message},
    }
    if spec.type == "long":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), strip=False, **common)
    if spec.type == "date":
        return forms.CharField(widget=DateInput(), **common)
    if spec.type == "choice":
        return forms.ChoiceField(choices=[("", _("Not given")), *spec.choices], **common)
    if spec.type == "phone":
        return forms.CharField(widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}), **common)
    if spec.type == "email":
        return forms.CharField(widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}), **common)
    if spec.type == "nhs_number":
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}), **common)
    if spec.type == "number":
        # Translators: the unit a measurement is entered in, as in "In kg.".
        hint = _("In %(unit)s.") % {"unit": spec.unit} if spec.unit else ""
        common["help_text"] = f"{spec.hint} {hint}".strip()
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    return forms.CharField(**common)


class EntryForm(forms.Form):
    """The fields of one section; sensitive fields only for those who may see them."""

    audience = forms.ChoiceField(
        label=gettext_lazy("Who can see it"),
        choices=Audience.choices,
        initial=Audience.EVERYONE,
        widget=Radios,
        help_text=gettext_lazy("Always within what the person's consent settings allow each role."),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the audiences listed.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    client_id = ClientIdField()

    def __init__(self, *args: Any, section: Section, can_sensitive: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section
        self.can_sensitive = can_sensitive
        fields = {spec.name: _form_field(spec) for spec in section.fields if can_sensitive or not spec.sensitive}
        self.fields = {**fields, **self.fields}
        _with_client_id(self)
        self.values: dict[str, str] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        raw = {spec.name: cleaned.get(spec.name, "") for spec in self.section.fields if spec.name in self.fields}
        try:
            self.values = clean_values(self.section, raw, may_change_sensitive=self.can_sensitive)
        except InvalidValues as error:
            for name, message in error.errors.items():
                if message in self.errors.get(name, ()):
                    continue  # the field's own check said it already ("Enter the medicine.")
                self.add_error(None if name == "__all__" else name, message)
        return cleaned


def _megabytes(size: int) -> str:
    return _("%(megabytes)s MB") % {"megabytes": f"{size / (1024 * 1024):g}"}


class DocumentForm(EntryForm):
    file = forms.FileField(
        label=gettext_lazy("The file"),
        help_text=gettext_lazy("A PDF, or a picture (JPEG, PNG, GIF or WebP)."),
        error_messages={
            "required": gettext_lazy("Choose a file to upload."),
            "empty": gettext_lazy("This file is empty. Choose another one."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        up_to = _("Up to %(size)s.") % {"size": _megabytes(document_limit())}
        self.fields["file"].help_text = f"{self.fields['file'].help_text} {up_to}"


class ShareLinkForm(forms.Form):
    recipient = forms.CharField(
        label=gettext_lazy("Who is it for?"),
        max_length=80,
        help_text=gettext_lazy(
            'For example "Practice nurse, Riverside Surgery". Everyone who sees the record log reads this.'
        ),
        error_messages={"required": gettext_lazy("Say who the link is for.")},
    )
    sections = forms.MultipleChoiceField(
        label=gettext_lazy("What can they read?"),
        choices=[(section.key, section.title) for section in SECTIONS],
        widget=forms.CheckboxSelectMultiple,
        initial=["conditions", "allergies", "medications", "contacts"],
        error_messages={"required": gettext_lazy("Choose at least one part of the record to share.")},
    )
    hours = forms.TypedChoiceField(
        label=gettext_lazy("How long should it work?"),
        choices=[(SHARE_HOURS[0], gettext_lazy("24 hours")), (SHARE_HOURS[1], gettext_lazy("7 days"))],
        coerce=int,
        initial=SHARE_HOURS[0],
        widget=Radios,
    )
    code_channel = forms.ChoiceField(
        label=gettext_lazy("Send them a code as well?"),
        choices=[
            ("", gettext_lazy("No code")),
            ("email", gettext_lazy("Send a code by email")),
            ("sms", gettext_lazy("Send a code by text message")),
        ],
        required=False,
        widget=Radios,
        help_text=gettext_lazy("With a code, the link alone opens nothing: safer if it is forwarded by mistake."),
    )
    code_to = forms.CharField(
        label=gettext_lazy("Their email address or mobile number"),
        max_length=254,
        required=False,
        help_text=gettext_lazy("Only if you chose to send a code."),
    )
    client_id = ClientIdField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_client_id(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        channel = cleaned.get("code_channel", "")
        try:
            target = single_line(cleaned.get("code_to") or "", limit=254, what=_("address or number"))
        except TextRefused as error:
            self.add_error("code_to", str(error))
            return cleaned
        if channel == "email":
            try:
                forms.EmailField().clean(target)
            except forms.ValidationError:
                self.add_error("code_to", _("Enter their email address, like name@example.org."))
        elif channel == "sms":
            try:
                cleaned["code_to"] = phone_e164(target)
            except forms.ValidationError as error:
                self.add_error("code_to", error)
        return cleaned


class ShareCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("The code you were sent"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"required": gettext_lazy("Enter the code from the email or text message.")},
    )

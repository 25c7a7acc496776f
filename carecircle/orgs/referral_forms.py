"""Forms for referrals: the referral itself (staff and the public form share it) and the pipeline's actions."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from carecircle.orgs.languages import site_language
from carecircle.orgs.models import (
    ConsentGivenBy,
    ContactPreference,
    Need,
    Outcome,
    ReferralSource,
    ReferralStatus,
    Urgency,
)
from carecircle.orgs.referral_services import ReferralInput, referral_input_errors

DATE = forms.DateInput(attrs={"type": "date"})


class ReferralForm(forms.Form):
    person_name = forms.CharField(label=_("Their full name"), max_length=120)
    person_date_of_birth = forms.DateField(label=_("Their date of birth"), required=False, widget=DATE)
    person_address = forms.CharField(
        label=_("Their address"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    person_postcode = forms.CharField(label=_("Their postcode"), required=False, max_length=10)
    person_phone = forms.CharField(label=_("Their phone number"), required=False, max_length=32)
    person_email = forms.EmailField(label=_("Their email address"), required=False)
    contact_preference = forms.ChoiceField(
        label=_("How should we contact them?"), choices=ContactPreference.choices, widget=forms.RadioSelect
    )
    needs = forms.MultipleChoiceField(
        label=_("What would help?"), choices=Need.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    needs_detail = forms.CharField(
        label=_("Tell us more"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What's going on, what they'd like, anything we should know before we call."),
    )
    urgency = forms.ChoiceField(label=_("How soon is help needed?"), choices=Urgency.choices, widget=forms.RadioSelect)
    source = forms.ChoiceField(label=_("Who is making this referral?"), choices=ReferralSource.choices)
    referrer_name = forms.CharField(label=_("Your name"), required=False, max_length=120)
    referrer_organisation = forms.CharField(label=_("Your organisation or surgery"), required=False, max_length=120)
    referrer_email = forms.EmailField(
        label=_("Your email address"),
        required=False,
        help_text=_("We'll tell you when we accept the referral and when it ends."),
    )
    referrer_phone = forms.CharField(label=_("Your phone number"), required=False, max_length=32)
    referrer_reference = forms.CharField(label=_("Your reference"), required=False, max_length=80)
    consent_given_by = forms.ChoiceField(
        label=_("Who agreed to this referral?"), choices=ConsentGivenBy.choices, widget=forms.RadioSelect
    )
    consent_to = forms.CharField(
        label=_("What did they agree to?"),
        max_length=1000,
        initial=_("Sharing these details with the organisation, and being contacted by it about help."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent_confirmed = forms.BooleanField(
        label=_("They agreed to this referral and to us keeping these details"), required=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_preference"].initial = ContactPreference.PHONE
        self.fields["urgency"].initial = Urgency.ROUTINE

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            for name, message in referral_input_errors(self.referral_input()).items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned

    def referral_input(self) -> ReferralInput:
        data = self.cleaned_data
        return ReferralInput(
            person_name=data["person_name"],
            person_date_of_birth=data["person_date_of_birth"],
            person_address=data["person_address"],
            person_postcode=data["person_postcode"],
            person_phone=data["person_phone"],
            person_email=data["person_email"],
            contact_preference=data["contact_preference"],
            needs=list(data["needs"]),
            needs_detail=data["needs_detail"],
            urgency=data["urgency"],
            source=data["source"],
            referrer_name=data["referrer_name"],
            referrer_organisation=data["referrer_organisation"],
            referrer_email=data["referrer_email"],
            referrer_phone=data["referrer_phone"],
            referrer_reference=data["referrer_reference"],
            consent_given_by=data["consent_given_by"],
            consent_to=data["consent_to"],
        )


class StaffReferralForm(ReferralForm):
    """Staff entering a referral: the public form's fields, and the language the referrer is written to in."""

    referrer_language = forms.ChoiceField(
        label=_("Language of emails to the referrer"),
        # Optional for older clients posting the form without it; a browser always sends the chosen one.
        required=False,
        help_text=_("We tell the referrer when the referral is accepted or declined and when it ends."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each language named in itself; read per form, never at import.
        field = self.fields["referrer_language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(settings.LANGUAGES)
        field.initial = site_language(translation.get_language() or "") or settings.LANGUAGE_CODE

    def referral_input(self) -> ReferralInput:
        return dataclasses.replace(
            super().referral_input(), referrer_language=self.cleaned_data.get("referrer_language", "")
        )


MOVE_CHOICES = [
    (ReferralStatus.TRIAGED, _("Triaged")),
    (ReferralStatus.ACCEPTED, _("Accept")),
    (ReferralStatus.DECLINED, _("Decline")),
    (ReferralStatus.ACTIVE, _("Start the work")),
    (ReferralStatus.CLOSED, _("Close")),
]


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=MOVE_CHOICES)
    reason = forms.CharField(label=_("Why is it declined?"), required=False, max_length=5000)
    outcome = forms.ChoiceField(
        label=_("How did it end?"), required=False, choices=[("", _("Choose")), *Outcome.choices]
    )
    note = forms.CharField(label=_("A note about the outcome"), required=False, max_length=5000)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Add a note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    assignee = forms.IntegerField(label=_("Assign to"))


class MergeForm(forms.Form):
    other = forms.IntegerField(label=_("Referral to merge into this one"))

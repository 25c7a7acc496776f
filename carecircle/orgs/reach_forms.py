"""Forms for an organisation's branded page, its invite codes and starting a circle with one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.orgs.models import ConsentGivenBy


class OrganisationPageForm(forms.Form):
    welcome = forms.CharField(
        label=_("Welcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("A few sentences for people arriving with your code: who you are and how CareCircle helps."),
    )
    brand_colour = forms.CharField(
        label=_("Banner colour"),
        required=False,
        max_length=20,
        help_text=_("Six hexadecimal digits, like #1d5b79. The banner's text is black or white, whichever reads best."),
    )
    accent_colour = forms.CharField(
        label=_("Links and buttons colour"),
        required=False,
        max_length=20,
        help_text=_("Darkened if needed so that it can be read on white."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG, JPEG, GIF or WebP picture, up to 1 MB."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)


class InviteCodeForm(forms.Form):
    label = forms.CharField(
        label=_("What it is for"),
        max_length=80,
        help_text=_("For your staff only, like “Carers' centre leaflet, spring”."),
    )
    max_uses = forms.IntegerField(label=_("How many circles it can start"), min_value=1, max_value=10_000, initial=50)
    valid_days = forms.IntegerField(label=_("Days it works for"), min_value=1, max_value=366, initial=90)


class CodeEntryForm(forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=40,
        help_text=_("12 letters and numbers, like ABCD-EFGH-JKLM. Capitals and dashes don't matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class StartWithCodeForm(forms.Form):
    person_name = forms.CharField(label=_("Name of the person the circle is for"), max_length=80)
    for_self = forms.BooleanField(label=_("The circle is for me"), required=False)
    relationship = forms.CharField(
        label=_("How you know them"), required=False, max_length=60, help_text=_("For example: daughter, neighbour.")
    )
    consent_given_by = forms.ChoiceField(
        label=_("Who agrees to this"),
        choices=ConsentGivenBy.choices,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(label=_("They agree to what is written above"), required=False)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

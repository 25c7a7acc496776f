"""Forms for an organisation's branded page, its invite codes and starting a circle with one."""

from __future__ import annotations

from django import forms

from carecircle.orgs.models import ConsentGivenBy


class OrganisationPageForm(forms.Form):
    welcome = forms.CharField(
        label="Welcome",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="A few sentences for people arriving with your code: who you are and how CareCircle helps.",
    )
    brand_colour = forms.CharField(
        label="Banner colour",
        required=False,
        max_length=20,
        help_text="Six hexadecimal digits, like #1d5b79. The banner's text is black or white, whichever reads best.",
    )
    accent_colour = forms.CharField(
        label="Links and buttons colour",
        required=False,
        max_length=20,
        help_text="Darkened if needed so that it can be read on white.",
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="A PNG, JPEG, GIF or WebP picture, up to 1 MB.",
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)


class InviteCodeForm(forms.Form):
    label = forms.CharField(
        label="What it is for", max_length=80, help_text="For your staff only, like “Carers' centre leaflet, spring”."
    )
    max_uses = forms.IntegerField(label="How many circles it can start", min_value=1, max_value=10_000, initial=50)
    valid_days = forms.IntegerField(label="Days it works for", min_value=1, max_value=366, initial=90)


class CodeEntryForm(forms.Form):
    code = forms.CharField(
        label="Your code",
        max_length=40,
        help_text="12 letters and numbers, like ABCD-EFGH-JKLM. Capitals and dashes don't matter.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class StartWithCodeForm(forms.Form):
    person_name = forms.CharField(label="Name of the person the circle is for", max_length=80)
    for_self = forms.BooleanField(label="The circle is for me", required=False)
    relationship = forms.CharField(
        label="How you know them", required=False, max_length=60, help_text="For example: daughter, neighbour."
    )
    consent_given_by = forms.ChoiceField(
        label="Who agrees to this",
        choices=ConsentGivenBy.choices,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(label="They agree to what is written above", required=False)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

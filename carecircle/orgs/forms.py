"""Forms for organisations' pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.orgs.models import StaffRole


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=_("Their email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Their role"),
        choices=StaffRole.choices,
        initial=StaffRole.VOLUNTEER,
        help_text=_(
            "Admins manage staff. Coordinators manage every referral. Volunteers see only what's assigned to them."
        ),
    )


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)

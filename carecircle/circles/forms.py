"""Forms for the circles pages. They check what people typed; the services apply the rules."""

from __future__ import annotations

import datetime
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from carecircle.circles.models import ROLE_DESCRIPTIONS, InvitationChannel, Role
from carecircle.circles.permissions import EVERYONE_ELSE, Capability, consentable_for
from carecircle.circles.services import INVITATION_DAYS_DEFAULT, INVITATION_DAYS_MAX
from carecircle.lib.phones import phone_e164
from carecircle.lib.pictures import NotAPicture, read_picture
from carecircle.lib.postcodes import district_of

# Photos are shown small; a square of this size is sharp on any phone and small to send.
PHOTO_SIZE = 480
PHOTO_QUALITY = 85

# The roles whose access the consent owner decides, in the order the consent page lists them.
CONSENT_ROLES: tuple[Role, ...] = tuple(role for role in Role if role in EVERYONE_ELSE)

ROLE_PLURALS = {
    Role.PERSON: pgettext_lazy("role, on the consent page", "The person being helped"),
    Role.ORGANISER: pgettext_lazy("role, plural", "Organisers"),
    Role.HELPER: pgettext_lazy("role, plural", "Helpers"),
    Role.PAID_CARER: pgettext_lazy("role, plural", "Paid carers"),
    Role.PROFESSIONAL: pgettext_lazy("role, plural", "Professionals"),
    Role.WELL_WISHER: pgettext_lazy("role, plural", "Well-wishers"),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _megabytes(size: int) -> str:
    return str(_("%(megabytes)s MB") % {"megabytes": f"{size / (1024 * 1024):g}"})


def photo_reencoded(upload: UploadedFile[Any]) -> SimpleUploadedFile:
    """A square JPEG made from an uploaded picture, without EXIF data (so no location or camera details).

    Raises ValidationError with a plain message when the file isn't a picture or is too big.
    """
    limit = settings.CIRCLE_PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise forms.ValidationError(
            _("This photo is too big. Choose one smaller than %(size)s.") % {"size": _megabytes(limit)},
            code="too_big",
        )
    not_a_picture = forms.ValidationError(
        _("This file isn't a picture we can read. Choose a photo saved as JPEG, PNG, GIF or WebP."), code="not_image"
    )
    try:
        upright, _format = read_picture(upload)
    except NotAPicture:
        raise not_a_picture from None
    square = ImageOps.fit(upright.convert("RGB"), (PHOTO_SIZE, PHOTO_SIZE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    # Saving without exif= writes no EXIF block at all.
    square.save(output, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    return SimpleUploadedFile("photo.jpg", output.getvalue(), content_type="image/jpeg")


def _date_of_birth_field() -> forms.DateField:
    return forms.DateField(
        label=_("Their date of birth"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter the date of birth as a real date, like 27 3 1946.")},
    )


def _past_or_empty(value: datetime.date | None) -> datetime.date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(_("The date of birth can't be in the future."), code="future")
    return value


class Radios(forms.RadioSelect):
    """Radio buttons whose field id points at the first button, so an error summary link lands on it."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


class ClientIdField(forms.UUIDField):
    """A hidden id made when the form is drawn, so submitting the same form twice changes nothing twice."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)


def _with_client_id(form: forms.Form) -> None:
    """Give a form an id for its submission: a fresh one when drawn, or when a client sent none."""
    if not form.is_bound:
        form.initial.setdefault("client_id", uuid.uuid4())
    elif not form.data.get("client_id"):
        # Redrawn after a mistake, the form then carries one id, so the corrected submit is idempotent too.
        if isinstance(form.data, QueryDict):
            data = form.data.copy()
        else:
            data = QueryDict(mutable=True)
            for key, value in form.data.items():
                data[key] = value
        data["client_id"] = str(uuid.uuid4())
        form.data = data


class CircleCreateForm(forms.Form):
    ABOUT_SOMEONE_ELSE = "someone_else"
    ABOUT_ME = "me"

    about = forms.ChoiceField(
        label=_("Who is this circle for?"),
        choices=[(ABOUT_SOMEONE_ELSE, _("I'm helping someone else")), (ABOUT_ME, _("This circle is about me"))],
        widget=Radios,
        initial=ABOUT_SOMEONE_ELSE,
        error_messages={"required": _("Choose who the circle is for.")},
    )
    person_name = forms.CharField(
        label=_("Their name"),
        max_length=80,
        help_text=_('The name everyone in the circle will use, like "Dad" or "Margaret".'),
        error_messages={"required": _("Enter the name of the person being helped.")},
    )
    relationship = forms.CharField(
        label=_("How are you related to them?"),
        max_length=60,
        required=False,
        help_text=_('For example "daughter", "neighbour" or "friend". Leave it empty if the circle is about you.'),
    )
    person_date_of_birth = _date_of_birth_field()
    photo = forms.FileField(
        label=_("A photo of them"),
        required=False,
        help_text=_("Helps everyone know they're in the right place. JPEG, PNG, GIF or WebP."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    client_id = ClientIdField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_client_id(self)
        limit = _megabytes(settings.CIRCLE_PHOTO_MAX_BYTES)
        self.fields["photo"].help_text = format_lazy("{} {}", self.fields["photo"].help_text, _up_to(limit))

    def clean_person_date_of_birth(self) -> datetime.date | None:
        return _past_or_empty(self.cleaned_data.get("person_date_of_birth"))

    def clean_photo(self) -> SimpleUploadedFile | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        return photo_reencoded(upload)

    @property
    def actor_is_person(self) -> bool:
        return self.cleaned_data.get("about") == self.ABOUT_ME


class CircleEditForm(forms.Form):
    person_name = forms.CharField(
        label=_("Their name"),
        max_length=80,
        error_messages={"required": _("Enter the name of the person being helped.")},
    )
    person_date_of_birth = _date_of_birth_field()
    person_district = forms.CharField(
        label=_("The first part of their postcode (optional)"),
        help_text=_("For example LL11. It's only used to suggest support services near them."),
        max_length=8,
        required=False,
    )

    def clean_person_date_of_birth(self) -> datetime.date | None:
        return _past_or_empty(self.cleaned_data.get("person_date_of_birth"))

    def clean_person_district(self) -> str:
        given = self.cleaned_data.get("person_district", "").strip()
        district = district_of(given)
        if given and not district:
            raise forms.ValidationError(
                _("Enter the first part of a UK postcode, like LL11 or CF10, or leave it empty."), code="district"
            )
        return district


class CirclePhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("A new photo"),
        help_text=_("JPEG, PNG, GIF or WebP."),
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        error_messages={
            "required": _("Choose a photo to upload."),
            "empty": _("This file is empty. Choose another photo."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = _megabytes(settings.CIRCLE_PHOTO_MAX_BYTES)
        self.fields["photo"].help_text = format_lazy("{} {}", self.fields["photo"].help_text, _up_to(limit))

    def clean_photo(self) -> SimpleUploadedFile:
        return photo_reencoded(self.cleaned_data["photo"])


def _up_to(size: str) -> str:
    return str(_("Up to %(size)s.") % {"size": size})


def role_choices(roles: Iterable[Role]) -> list[tuple[str, str]]:
    return [(role.value, str(role.label)) for role in Role if role in set(roles)]


def _days_now(message: str) -> str:
    return gettext(message) % {"most": INVITATION_DAYS_MAX}


# Translated when shown, not when the module loads, so each reader gets their own language.
_days_text = lazy(_days_now, str)
_DAYS_ERROR = _days_text(gettext_noop("Enter a number of days from 1 to %(most)s."))


class InviteForm(forms.Form):
    role = forms.ChoiceField(label=_("What will they do in the circle?"))
    name = forms.CharField(
        label=_("Their name"),
        max_length=80,
        required=False,
        help_text=_("So you can tell your invitations apart, and so the message greets them by name."),
    )
    relationship = forms.CharField(
        label=_("How do they know the person?"),
        max_length=60,
        required=False,
        help_text=_('For example "son", "neighbour" or "district nurse".'),
    )
    channel = forms.ChoiceField(
        label=_("How should the invitation reach them?"),
        choices=InvitationChannel.choices,
        widget=Radios,
        initial=InvitationChannel.EMAIL,
        error_messages={"required": _("Choose how the invitation should reach them.")},
    )
    email = forms.EmailField(
        label=_("Their email address"),
        required=False,
        help_text=_("Only if you chose email."),
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
    )
    phone = forms.CharField(
        label=_("Their mobile number"),
        max_length=32,
        required=False,
        help_text=_("Only if you chose a text message. For example 07911 123456."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("A personal note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A line from you makes the invitation feel less like spam."),
    )
    expires_in_days = forms.IntegerField(
        label=_("How many days should the invitation work for?"),
        min_value=1,
        max_value=INVITATION_DAYS_MAX,
        initial=INVITATION_DAYS_DEFAULT,
        help_text=_days_text(gettext_noop("From 1 to %(most)s days.")),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _DAYS_ERROR,
            "invalid": _DAYS_ERROR,
            "min_value": _DAYS_ERROR,
            "max_value": _DAYS_ERROR,
        },
    )
    client_id = ClientIdField()

    def __init__(self, *args: Any, roles: Sequence[Role], person_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = role_choices(roles)
        role_field.error_messages["required"] = _("Choose what they will do in the circle.")
        role_field.error_messages["invalid_choice"] = _("Choose one of the roles in the list.")
        self.initial.setdefault("role", Role.HELPER.value)
        self.fields["relationship"].label = _("How do they know %(name)s?") % {"name": person_name}
        _with_client_id(self)
        self.role_descriptions = [(role.label, ROLE_DESCRIPTIONS[role]) for role in Role if role in set(roles)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        channel = cleaned.get("channel")
        if channel == InvitationChannel.EMAIL and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", _("Enter their email address, or choose another way to invite them."))
        if channel == InvitationChannel.SMS:
            raw = (cleaned.get("phone") or "").strip()
            if not raw:
                self.add_error("phone", _("Enter their mobile number, or choose another way to invite them."))
            else:
                try:
                    cleaned["phone"] = phone_e164(raw)
                except forms.ValidationError as error:
                    self.add_error("phone", error)
        return cleaned


class MemberEditForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    relationship = forms.CharField(label=_("How they know the person"), max_length=60, required=False)

    def __init__(self, *args: Any, roles: Sequence[Role], person_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = role_choices(roles)
        role_field.error_messages["invalid_choice"] = _("Choose one of the roles in the list.")
        self.fields["relationship"].label = _("How they know %(name)s") % {"name": person_name}
        self.fields["relationship"].help_text = _('For example "son", "neighbour" or "district nurse".')
        self.role_descriptions = [(role.label, ROLE_DESCRIPTIONS[role]) for role in Role if role in set(roles)]


class ConsentForm(forms.Form):
    """One set of checkboxes per role: the consentable capabilities that role is given."""

    def __init__(self, *args: Any, consent: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for role in CONSENT_ROLES:
            self.fields[role.value] = forms.MultipleChoiceField(
                label=ROLE_PLURALS[role],
                required=False,
                choices=[(capability.key, capability.label) for capability in consentable_for(role)],
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": _("Choose only from the boxes shown.")},
            )
            self.initial[role.value] = list(consent.get(role.value, []))

    def grants(self) -> dict[str, list[str]]:
        return {role.value: list(self.cleaned_data.get(role.value, [])) for role in CONSENT_ROLES}

    def _submitted(self, role: str) -> list[str]:
        getlist = getattr(self.data, "getlist", None)
        return list(getlist(role)) if getlist else list(self.data.get(role, []))

    def sections(self) -> list[ConsentSection]:
        """For the template: each role, with its capabilities in groups, and whether each is ticked."""
        chosen_by_role = {
            role.value: set(self._submitted(role.value) if self.is_bound else self.initial.get(role.value, []))
            for role in CONSENT_ROLES
        }
        sections = []
        for role in CONSENT_ROLES:
            groups: dict[str, list[ConsentChoice]] = {}
            for capability in consentable_for(role):
                groups.setdefault(str(capability.group), []).append(
                    ConsentChoice(
                        role=role.value,
                        capability=capability,
                        checked=capability.key in chosen_by_role[role.value],
                    )
                )
            sections.append(
                ConsentSection(
                    role=role.value,
                    title=str(ROLE_PLURALS[role]),
                    description=str(ROLE_DESCRIPTIONS[role]),
                    errors=[str(error) for error in self.errors.get(role.value, [])],
                    groups=list(groups.items()),
                )
            )
        return sections


@dataclass(frozen=True)
class ConsentChoice:
    role: str
    capability: Capability
    checked: bool

    @property
    def id(self) -> str:
        return f"consent-{self.role}-{self.capability.key.replace('.', '-')}"


@dataclass(frozen=True)
class ConsentSection:
    role: str
    title: str
    description: str
    errors: list[str]
    groups: list[tuple[str, list[ConsentChoice]]]

"""Forms for the conversation pages. They check what people typed; the services apply the rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from carecircle.circles.forms import ClientIdField, Radios, _with_client_id
from carecircle.conversations.models import Audience, Feeling, ReactionKind, Visitors
from carecircle.conversations.photos import (
    MAX_PHOTOS_PER_MESSAGE,
    Photo,
    PhotoError,
    max_bytes,
    photo_reencode,
    size_text,
)
from carecircle.conversations.services import (
    MESSAGE_MAX_CHARACTERS,
    NOTE_MAX_CHARACTERS,
    TITLE_MAX_CHARACTERS,
    UPDATE_MAX_CHARACTERS,
)
from carecircle.lib.text import TextRefused, multi_line

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _no_nul(value: str) -> None:
    try:
        multi_line(value, limit=len(value), what="text")
    except TextRefused as error:
        raise forms.ValidationError(str(error), code="nul") from error


def _too_long_now(limit: int) -> str:
    return _("Keep it under %(limit)s characters (it has %%(show_value)d).") % {"limit": f"{limit:,}"}


# Form fields are made at import, before any language is chosen: the message is worded when shown.
_too_long = lazy(_too_long_now, str)


class TextArea(forms.CharField):
    """A text box whose limit is stated in the error, not silently cut."""

    def __init__(
        self, *, label: StrOrPromise, limit: int, required: bool = False, rows: int = 3, **kwargs: Any
    ) -> None:
        super().__init__(
            label=label,
            required=required,
            strip=True,
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": rows}),
            validators=[_no_nul],
            error_messages={"max_length": _too_long(limit)},
            **kwargs,
        )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS_PER_MESSAGE pictures, each re-encoded (no EXIF, so no location)."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.widget.attrs["accept"] = "image/*"

    def clean(self, data: Any, initial: Any = None) -> list[Photo]:
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(uploads) > MAX_PHOTOS_PER_MESSAGE:
            raise forms.ValidationError(
                ngettext("Choose at most %(count)s photo.", "Choose at most %(count)s photos.", MAX_PHOTOS_PER_MESSAGE)
                % {"count": MAX_PHOTOS_PER_MESSAGE},
                code="too_many",
            )
        photos = []
        for upload in uploads:
            if not isinstance(upload, UploadedFile):
                raise forms.ValidationError(_("Send the photo as a file."), code="not_file")
            try:
                photos.append(photo_reencode(upload, size=upload.size))
            except PhotoError as error:
                raise forms.ValidationError(str(error), code="not_image") from error
        return photos


def _photos_help() -> str:
    return ngettext(
        "Up to %(count)s photo, up to %(size)s. Location details are removed.",
        "Up to %(count)s photos, each up to %(size)s. Location details are removed.",
        MAX_PHOTOS_PER_MESSAGE,
    ) % {
        "count": MAX_PHOTOS_PER_MESSAGE,
        "size": size_text(max_bytes()),
    }


class MessageForm(forms.Form):
    body = TextArea(label=gettext_lazy("Message"), limit=MESSAGE_MAX_CHARACTERS)
    photos = PhotosField(label=gettext_lazy("Photos"))
    photo_description = forms.CharField(
        label=gettext_lazy("Describe the photos"),
        required=False,
        max_length=200,
        validators=[_no_nul],
        help_text=gettext_lazy("For people who can't see them."),
    )
    reply_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    client_id = ClientIdField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_client_id(self)
        self.fields["photos"].help_text = _photos_help()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("body") and not data.get("photos"):
            raise forms.ValidationError(_("Write a message or add a photo before sending."), code="empty")
        return data


class SupportForm(forms.Form):
    body = TextArea(label=gettext_lazy("Your message of support"), limit=MESSAGE_MAX_CHARACTERS, required=True)
    client_id = ClientIdField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_client_id(self)
        self.fields["body"].error_messages["required"] = _("Write your message before sending.")


class UpdateForm(forms.Form):
    """On the same page as the support form, so its fields get their own ids."""

    title = forms.CharField(
        label=gettext_lazy("Headline"),
        max_length=TITLE_MAX_CHARACTERS,
        validators=[_no_nul],
        help_text=gettext_lazy("For example: How Dad's doing this week."),
        error_messages={"required": gettext_lazy("Give your update a headline.")},
    )
    body = TextArea(label=gettext_lazy("Your update"), limit=UPDATE_MAX_CHARACTERS, rows=6)
    photos = PhotosField(label=gettext_lazy("Photos"))
    photo_description = MessageForm.base_fields["photo_description"]
    client_id = ClientIdField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "update_%s")
        super().__init__(*args, **kwargs)
        _with_client_id(self)
        self.fields["photos"].help_text = _photos_help()


class EditForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Headline"), max_length=TITLE_MAX_CHARACTERS, required=False, validators=[_no_nul]
    )
    body = TextArea(label=gettext_lazy("Message"), limit=UPDATE_MAX_CHARACTERS, rows=5)


class ReactionForm(forms.Form):
    """One button per reaction: its value is "kind:1" to give it, "kind:0" to take it back."""

    reaction = forms.ChoiceField(
        error_messages={
            "required": gettext_lazy("Choose a reaction."),
            "invalid_choice": gettext_lazy("Choose a reaction."),
        }
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reaction"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(f"{kind}:{on}", kind) for kind in ReactionKind.values for on in (0, 1)]

    @property
    def kind(self) -> str:
        return str(self.cleaned_data["reaction"]).split(":")[0]

    @property
    def on(self) -> bool:
        return str(self.cleaned_data["reaction"]).endswith(":1")


class CheckInForm(forms.Form):
    feeling = forms.TypedChoiceField(
        label=gettext_lazy("How are you doing?"),
        choices=Feeling.choices,
        coerce=int,
        widget=Radios,
        error_messages={"required": gettext_lazy("Choose how you're doing.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Anything you'd like to add"),
        required=False,
        max_length=NOTE_MAX_CHARACTERS,
        validators=[_no_nul],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("Who can see this?"),
        choices=Audience.choices,
        initial=Audience.FAMILY,
        widget=Radios,
        error_messages={"required": gettext_lazy("Choose who can see this.")},
    )
    client_id = ClientIdField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_client_id(self)


class VisitorsForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Are visitors welcome?"),
        choices=Visitors.choices,
        widget=Radios,
        error_messages={"required": gettext_lazy("Choose whether visitors are welcome.")},
    )
    note = forms.CharField(
        label=gettext_lazy("A note for visitors"),
        required=False,
        max_length=300,
        validators=[_no_nul],
        help_text=gettext_lazy("For example: Afternoons are best. Please phone first."),
    )


class DirectForm(forms.Form):
    member = forms.TypedChoiceField(
        label=gettext_lazy("Who would you like to message?"),
        coerce=int,
        error_messages={"required": gettext_lazy("Choose someone.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose someone")), *choices]


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search messages and updates"), max_length=200, validators=[_no_nul])

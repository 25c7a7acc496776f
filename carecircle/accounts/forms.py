"""Forms for signing up, signing in, passwords, the profile and API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from carecircle.accounts.emails import password_reset_email_send
from carecircle.accounts.models import User
from carecircle.accounts.scopes import TOKEN_LIFETIMES
from carecircle.lib import ratelimit
from carecircle.lib.hooks import audit_record
from carecircle.lib.phones import phone_e164, phone_for_display
from carecircle.lib.time_zones import city_label, countries_for, country_zones, is_offered, short_choices

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PASSWORD_HINT = _(
    "Use at least 10 characters. Three or four unrelated words are easy to remember and hard to guess. "
    "Avoid names, dates and keyboard patterns."
)
# Each address gets at most this many reset emails an hour, so the form cannot be used to flood an inbox.
RESET_EMAILS_PER_HOUR = 5


def _email_field(*, autofocus: bool = False) -> forms.EmailField:
    attrs: dict[str, Any] = {"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}
    if autofocus:
        attrs["autofocus"] = True
    return forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs=attrs),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the right format, like name@example.com."),
        },
    )


def normalise_email(value: str) -> str:
    return value.strip().lower()


def _name_field(help_text: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=_("Your name"),
        max_length=80,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name.")},
    )


def _clean_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise ValidationError(_("Enter your name."))
    return name


class SignUpForm(forms.Form):
    display_name = _name_field(_("The name other people in your circles will see. You can change it later."))
    email = _email_field()
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        help_text=PASSWORD_HINT,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Choose a password.")},
    )

    def clean_display_name(self) -> str:
        return _clean_name(self.cleaned_data["display_name"])

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _(
                    "There's already an account with this email address. Sign in, or reset your password if "
                    "you've forgotten it."
                )
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            # A draft account, so validators can refuse passwords built from the person's own name or email.
            draft = User(email=cleaned.get("email", ""), display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, draft)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class SignInForm(forms.Form):
    email = _email_field(autofocus=True)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


def _relabel_new_password_fields(form: SetPasswordForm[User]) -> None:
    first, second = form.fields["new_password1"], form.fields["new_password2"]
    first.label = _("New password")
    first.help_text = PASSWORD_HINT
    first.error_messages["required"] = _("Choose a new password.")
    second.label = _("Type the new password again")
    second.help_text = _("So you know you typed it the way you meant to.")
    second.error_messages["required"] = _("Type the new password again.")
    form.error_messages = {
        **form.error_messages,
        "password_mismatch": _("The two new passwords are different. Type the same password in both boxes."),
    }


class PasswordResetRequestForm(PasswordResetForm):
    """Queues the reset email as a delivery, and never says whether the address has an account."""

    email = _email_field(autofocus=True)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user: User = context["user"]
        if ratelimit.hit("password-reset-email", str(user.pk), window_seconds=3600) > RESET_EMAILS_PER_HOUR:
            return
        password_reset_email_send(user=user, uidb64=context["uid"], token=context["token"])
        audit_record(actor=None, action="account.password_reset_requested", subject=user)


class NewPasswordForm(SetPasswordForm[User]):
    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        _relabel_new_password_fields(self)


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        _relabel_new_password_fields(self)
        current = self.fields["old_password"]
        current.label = _("Your current password")
        current.error_messages["required"] = _("Enter your current password.")
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": _("Your current password isn't right. Type it again, or sign out and reset it."),
        }


class TimeZoneChoiceField(forms.ChoiceField):
    """A short list shown, any zone accepted: the other zones are picked on their own pages."""

    current_zone = ""

    def valid_value(self, value: Any) -> bool:
        return is_offered(str(value), current_zone=self.current_zone)


class ProfileForm(forms.Form):
    display_name = _name_field(_("The name other people in your circles see."))
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=30,
        required=False,
        help_text=_(
            "For text messages about help that's needed, like 07911 123456. Numbers from outside the UK "
            "start with + and the country code."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )
    time_zone = TimeZoneChoiceField(
        label=_("Time zone"),
        help_text=_("Dates and times are shown in this time zone."),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )
    language = forms.ChoiceField(
        label=_("Language"), error_messages={"invalid_choice": _("Choose a language from the list.")}
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "display_name": user.display_name,
                "phone": phone_for_display(user.phone),
                "time_zone": user.time_zone,
                "language": user.language,
            },
        )
        super().__init__(*args, **kwargs)
        time_zone_field = self.fields["time_zone"]
        assert isinstance(time_zone_field, TimeZoneChoiceField)
        time_zone_field.current_zone = user.time_zone
        time_zone_field.choices = short_choices(
            countries=countries_for(phone=user.phone, current_zone=user.time_zone),
            current_zone=user.time_zone,
            other_label=gettext("Other"),
        )
        language_field = self.fields["language"]
        assert isinstance(language_field, forms.ChoiceField)
        language_field.choices = list(settings.LANGUAGES)

    def clean_display_name(self) -> str:
        return _clean_name(self.cleaned_data["display_name"])

    def clean_phone(self) -> str:
        return phone_e164(self.cleaned_data["phone"])


class CountryTimeZoneForm(forms.Form):
    """One country's zones, for a member whose zone isn't on the account page's short list."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"), error_messages={"invalid_choice": _("Choose a time zone from the list.")}
    )

    def __init__(self, *args: Any, country: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        time_zone_field = self.fields["time_zone"]
        assert isinstance(time_zone_field, forms.ChoiceField)
        time_zone_field.choices = [(zone, city_label(zone)) for zone in country_zones(country)]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name for this token"),
        max_length=80,
        help_text=_("Something to help you recognise it later, like the name of the program that will use it."),
        error_messages={"required": _("Give the token a name, so you can tell it apart from others.")},
    )

    access = forms.ChoiceField(
        label=_("What it may do"),
        choices=[("write", _("Read and change things, as you can")), ("read", _("Only read"))],
        initial="write",
        required=False,
        widget=forms.RadioSelect,
    )
    circle = forms.ChoiceField(label=_("Which circles"), required=False, initial="")
    lifetime = forms.ChoiceField(label=_("Stops working after"), choices=TOKEN_LIFETIMES, initial="90", required=False)

    def __init__(self, *args: Any, circles: dict[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["circle"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All my circles"))] + [
            (str(circle_id), gettext("Only the circle around %(name)s") % {"name": name})
            for circle_id, name in (circles or {}).items()
        ]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Give the token a name, so you can tell it apart from others."))
        return name


def _mobile_field(*, autofocus: bool = False) -> forms.CharField:
    attrs: dict[str, Any] = {"autocomplete": "tel", "type": "tel", "inputmode": "tel"}
    if autofocus:
        attrs["autofocus"] = True
    return forms.CharField(
        label=_("Your mobile number"),
        max_length=32,
        help_text=_("Like 07911 123456. Numbers from outside the UK start with + and the country code."),
        widget=forms.TextInput(attrs=attrs),
        error_messages={"required": _("Enter your mobile number.")},
    )


class TextSignInForm(forms.Form):
    phone = _mobile_field(autofocus=True)

    def clean_phone(self) -> str:
        return phone_e164(self.cleaned_data["phone"])


class TextCodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code from the text"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the 6-digit code from the text.")},
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise ValidationError(_("Enter the 6 digits from the text, like 123456."))
        return code


class JoinByTextForm(forms.Form):
    display_name = _name_field(_("The name the others in the circle will see."))

    def clean_display_name(self) -> str:
        return _clean_name(self.cleaned_data["display_name"])

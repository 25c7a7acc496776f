"""Ways a referral comes in: the public form of each organisation, and a CSV import for staff.

The public form needs no account (GP surgeries, social prescribers, social workers, the person
themselves). Its spam protection is in orgs/intake.py.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from carecircle.lib.addresses import client_address
from carecircle.lib.errors import DomainError, InvalidFields
from carecircle.orgs import closed_loop, intake
from carecircle.orgs.access import access_organisation
from carecircle.orgs.csv_import import COLUMNS, ImportRefused, referrals_import
from carecircle.orgs.languages import referrer_language, site_language
from carecircle.orgs.models import Organisation, Referral
from carecircle.orgs.referral_forms import ReferralForm
from carecircle.orgs.referral_services import referral_create

INVALID = DomainError.status
TOO_MANY = 429


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404(gettext("No such organisation."))
    return organisation


def _form_page(request: HttpRequest, organisation: Organisation, form: ReferralForm, status: int = 200) -> HttpResponse:
    context = {
        "organisation": organisation,
        "form": form,
        "stamp": intake.form_stamp(organisation.pk),
        "honeypot": intake.HONEYPOT,
    }
    return render(request, "orgs/refer.html", context, status=status)


@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    """The public referral form of one organisation."""
    organisation = _organisation(organisation_slug)
    if request.method == "GET":
        return _form_page(request, organisation, ReferralForm())
    form = ReferralForm(request.POST)
    if intake.over_rate_limit(client_address(request) or ""):
        response = _form_page(request, organisation, form, status=TOO_MANY)
        response["Retry-After"] = str(intake.retry_after_seconds())
        return response
    try:
        intake.check_stamp(request.POST.get("stamp", ""), organisation.pk)
    except intake.FormRefused as refused:
        form.is_valid()
        form.add_error(None, str(refused))
        return _form_page(request, organisation, form, status=INVALID)
    if request.POST.get(intake.HONEYPOT):
        # Filled by a program, not a person: thanked, not kept.
        return redirect("orgs:refer_sent", organisation_slug=organisation.slug)
    if not form.is_valid():
        return _form_page(request, organisation, form, status=INVALID)
    try:
        # The language the form was read in: every notice to the referrer is written in it.
        data = dataclasses.replace(
            form.referral_input(), referrer_language=site_language(translation.get_language() or "")
        )
        referral, _ = referral_create(actor=None, organisation=organisation, data=data, via="through the referral form")
    except InvalidFields as error:
        for name, message in error.field_errors.items():
            form.add_error(name if name in form.fields else None, message)
        return _form_page(request, organisation, form, status=INVALID)
    request.session["orgs.referral_sent"] = referral.pk
    return redirect("orgs:refer_sent", organisation_slug=organisation.slug)


@require_http_methods(["GET"])
def refer_sent(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    organisation = _organisation(organisation_slug)
    sent = request.session.pop("orgs.referral_sent", None) if hasattr(request, "session") else None
    referral = Referral.objects.filter(pk=sent, organisation=organisation).first() if isinstance(sent, int) else None
    context = {
        "organisation": organisation,
        "reference": referral.reference if referral else "",
        "status_url": closed_loop.status_url(referral) if referral else "",
    }
    return render(request, "orgs/refer_sent.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def referral_import(request: HttpRequest, organisation_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="referrals.manage")
    context: dict[str, object] = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "org_page": "import",
        "columns": COLUMNS,
    }
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["problem"] = gettext("Choose a CSV file to import.")
            status = INVALID
        else:
            try:
                report = referrals_import(actor=access.user, organisation=access.organisation, content=upload.read())
            except ImportRefused as refused:
                context["problem"] = str(refused)
                status = INVALID
            else:
                context["report"] = report
                if report.added:
                    messages.success(
                        request,
                        ngettext("%(count)s referral added.", "%(count)s referrals added.", report.added)
                        % {"count": report.added},
                    )
    return render(request, "orgs/import.html", context, status=status)


@require_http_methods(["GET"])
def referral_status(request: HttpRequest, token: str) -> HttpResponse:
    """The referrer's private status page (a signed link): the state and outcome, never the person's details."""
    referral = closed_loop.referral_from_token(token)
    if referral is None:
        return render(request, "orgs/referral_status.html", {"problem": True}, status=404)
    if not _chose_a_language(request):
        # In the language the referrer referred in, as their emails are, unless this browser chose one.
        language = referrer_language(referral)
        translation.activate(language)
        request.LANGUAGE_CODE = language
    context = {"referral": referral, "sentence": closed_loop.status_sentence(referral)}
    return render(request, "orgs/referral_status.html", context)


def _chose_a_language(request: HttpRequest) -> bool:
    """Whether this browser or signed-in member picked a language (the footer's switcher, a profile)."""
    if site_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and site_language(user.language))

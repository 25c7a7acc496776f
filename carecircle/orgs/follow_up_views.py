"""Follow-ups and attachments on a referral's page: plain form posts, and downloads checked and audited.

A refused post shows the referral's page again with the reason (400, or 413 for a file announced
as too big before it is read); an accepted one redirects back to it.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.lib.errors import DomainError
from carecircle.lib.uploads import UploadRefused, announced_too_big, clean_upload, too_big_message
from carecircle.orgs import follow_ups
from carecircle.orgs.access import access_referral
from carecircle.orgs.models import FollowUp, ReferralAttachment
from carecircle.orgs.referral_views import render_referral


class FollowUpForm(forms.Form):
    text = forms.CharField(max_length=follow_ups.LONGEST_FOLLOW_UP, required=False)
    due_on = forms.DateField(required=False)
    assignee = forms.IntegerField(required=False, min_value=1)
    client_id = forms.UUIDField(required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(required=False)
    client_id = forms.UUIDField(required=False)


def _back(organisation_id: int, referral_id: int) -> HttpResponse:
    return redirect("orgs:referral", organisation_id=organisation_id, referral_id=referral_id)


@require_http_methods(["POST"])
@login_required
def referral_follow_up(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        if "due_on" in form.errors:
            messages.error(request, gettext("Give the date it is due, like 2027-03-14."))
        else:
            messages.error(request, gettext("Check the follow-up: say what needs doing, by when, and for whom."))
        return render_referral(request, access, referral, status=400)
    data = form.cleaned_data
    assignee = User.objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
    try:
        _, new = follow_ups.follow_up_add(
            access=access,
            referral=referral,
            text=data["text"],
            due_on=data["due_on"],
            assignee=assignee,
            client_id=data["client_id"],
        )
    except DomainError as error:
        messages.error(request, str(error))
        return render_referral(request, access, referral, status=error.status)
    messages.success(request, gettext("Follow-up added.") if new else gettext("That follow-up was already added."))
    return _back(organisation_id, referral.pk)


@require_http_methods(["POST"])
@login_required
def referral_follow_up_done(
    request: HttpRequest, organisation_id: int, referral_id: int, follow_up_id: int
) -> HttpResponse:
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    follow_up = FollowUp.objects.filter(pk=follow_up_id, referral=referral).first()
    if follow_up is None:
        raise Http404(gettext("No such follow-up."))
    try:
        follow_ups.follow_up_done(access=access, follow_up=follow_up)
    except DomainError as error:
        messages.error(request, str(error))
        return render_referral(request, access, referral, status=error.status)
    messages.success(request, gettext("Done: %(text)s") % {"text": follow_up.text})
    return _back(organisation_id, referral.pk)


@require_http_methods(["POST"])
@login_required
def referral_attach(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    limit = follow_ups.attachment_limit()
    if announced_too_big(request, limit=limit):
        # Refused from the announced length, before the body is read at all.
        messages.error(request, too_big_message(limit))
        return render_referral(request, access, referral, status=413)
    form = AttachmentForm(request.POST, request.FILES)
    upload = request.FILES.get("file") if form.is_valid() else None
    if upload is None:
        messages.error(request, gettext("Choose a file to attach: a PDF or a picture."))
        return render_referral(request, access, referral, status=400)
    try:
        cleaned = clean_upload(upload, name=upload.name or "document", limit=limit)
    except UploadRefused as refused:
        messages.error(request, str(refused))
        return render_referral(request, access, referral, status=400)
    client_id: uuid.UUID | None = form.cleaned_data["client_id"]
    attachment, new = follow_ups.attachment_add(access=access, referral=referral, upload=cleaned, client_id=client_id)
    messages.success(
        request,
        (gettext("%(file)s is attached.") if new else gettext("%(file)s was already attached."))
        % {"file": attachment.filename},
    )
    return _back(organisation_id, referral.pk)


@require_http_methods(["GET"])
@login_required
def referral_attachment(
    request: HttpRequest, organisation_id: int, referral_id: int, attachment_id: int
) -> FileResponse:
    """An attachment as a download, never shown inline, so nothing in it can run in the site's pages."""
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    attachment = ReferralAttachment.objects.filter(pk=attachment_id, referral=referral).first()
    if attachment is None:
        raise Http404(gettext("No such attachment."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(gettext("No such attachment.")) from error
    attachment.referral = referral
    follow_ups.attachment_downloaded(access=access, attachment=attachment)
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response

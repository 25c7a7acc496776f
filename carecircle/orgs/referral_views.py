"""The referral pages for staff: the list and the board, a new referral, one referral and its actions.

Every action is a plain form post that redirects back, so the pipeline works without JavaScript.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.circles.models import Membership
from carecircle.lib.errors import DomainError, InvalidFields
from carecircle.orgs import bridge, circle_links, follow_ups, wellbeing
from carecircle.orgs import referral_selectors as selectors
from carecircle.orgs import referral_services as services
from carecircle.orgs.access import OrganisationAccess, access_organisation, access_referral
from carecircle.orgs.models import Need, Outcome, Referral, ReferralStatus, ServiceUse, Urgency
from carecircle.orgs.referral_forms import AssignForm, MergeForm, MoveForm, NoteForm, StaffReferralForm
from carecircle.orgs.signposting import signpostings_for

INVALID = DomainError.status


def _filter_context(request: HttpRequest, filters: selectors.ReferralFilters) -> dict[str, object]:
    params = {key: value for key, value in request.GET.items() if key not in {"after", "before", "fragment"} and value}
    return {
        "filters": filters,
        "statuses": ReferralStatus.choices,
        "urgencies": Urgency.choices,
        "needs": Need.choices,
        "query_string": urlencode(params),
    }


def _live_src(request: HttpRequest) -> str:
    """This page's address with its filters and cursor, asking for the live region only."""
    params = {key: value for key, value in request.GET.items() if key != "fragment"}
    return f"{request.path}?{urlencode({**params, 'fragment': '1'})}"


@require_http_methods(["GET"])
@login_required
def referral_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id)
    filters = selectors.ReferralFilters.from_request(request.GET)
    page = selectors.referral_page_for(
        access=access, filters=filters, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    context = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "page": page,
        "org_page": "list",
        "staff_choices": selectors.assignable_staff(access=access) if access.sees_all_referrals else [],
        **_filter_context(request, filters),
        "live_src": _live_src(request),
    }
    # The live region's refetch (orgs/live.py): the same view, checks and query, only the results.
    template = "orgs/referrals.html#results" if request.GET.get("fragment") else "orgs/referrals.html"
    return render(request, template, context)


@require_http_methods(["GET"])
@login_required
def referral_board(request: HttpRequest, organisation_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id)
    *columns, finished = selectors.board_for(access=access)
    context = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "columns": columns,
        "finished": finished["finished"],
        "org_page": "board",
        "live_src": _live_src(request),
    }
    return render(request, "orgs/board.html#columns" if request.GET.get("fragment") else "orgs/board.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def referral_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="referrals.manage")
    form = StaffReferralForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                referral, _ = services.referral_create(
                    actor=access.user, organisation=access.organisation, data=form.referral_input(), via="from staff"
                )
            except InvalidFields as error:
                for name, message in error.field_errors.items():
                    form.add_error(name if name in form.fields else None, message)
                status = INVALID
            else:
                messages.success(
                    request,
                    gettext("Referral %(reference)s for %(person)s is in the list.")
                    % {"reference": referral.reference, "person": referral.person_name},
                )
                return redirect("orgs:referral", organisation_id=organisation_id, referral_id=referral.pk)
        else:
            status = INVALID
    context = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "form": form,
        "staff_entry": True,
        "org_page": "new",
    }
    return render(request, "orgs/referral_new.html", context, status=status)


@require_http_methods(["GET"])
@login_required
def referral_detail(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    return render_referral(request, access, referral, fragment=request.GET.get("fragment", ""))


# The page's live regions (orgs/live.py): refetched through this same view and its access check.
REFERRAL_FRAGMENTS = {"summary": "orgs/referral.html#summary", "history": "orgs/referral.html#history"}


def render_referral(
    request: HttpRequest, access: OrganisationAccess, referral: Referral, *, status: int = 200, fragment: str = ""
) -> HttpResponse:
    """The referral's page (or one of its live regions); with a refused form's message when status is 4xx."""
    items = follow_ups.follow_ups_for(referral=referral)
    today = follow_ups.uk_today()
    context = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "referral": referral,
        "history": selectors.referral_history(referral=referral),
        "duplicates": selectors.possible_duplicates_of(referral=referral) if access.sees_all_referrals else [],
        "next_states": services.NEXT.get(referral.status, frozenset()),
        "overdue": services.is_overdue(referral),
        "due": services.first_contact_due(referral),
        "need_labels": [Need(need).label for need in referral.needs if need in Need.values],
        "outcomes": Outcome.choices,
        "staff_choices": selectors.assignable_staff(access=access) if access.can("referrals.manage") else [],
        "note_form": NoteForm(),
        "signpostings": signpostings_for(referral=referral),
        "service_use_choices": ServiceUse.choices,
        "follow_ups": items,
        "overdue_follow_ups": {item.pk for item in items if follow_ups.is_overdue(item, today=today)},
        "attachments": follow_ups.attachments_for(referral=referral),
        "attachment_limit_mb": f"{follow_ups.attachment_limit() / (1024 * 1024):g}",
        "form_id": uuid.uuid4(),
        "wellbeing": wellbeing.wellbeing_for(referral=referral),
        "questions": wellbeing.QUESTIONS,
        "scale": range(11),
        "my_circle_ids": set(
            Membership.objects.filter(user_id=access.user.pk, circle_id=referral.circle_id).values_list(
                "circle_id", flat=True
            )
        )
        if referral.circle_id
        else set(),
        "now": timezone.now(),
        # A request to link the family's own circle, still waiting for its organiser (orgs/circle_links.py).
        "link_request": circle_links.waiting_request_for(referral=referral)
        if access.can("referrals.manage") and referral.circle_id is None
        else None,
        # The referral's own address, also when a refused post re-renders the page at the post's address.
        "live_src": reverse("orgs:referral", args=[access.organisation.pk, referral.pk]) + "?fragment=",
    }
    return render(request, REFERRAL_FRAGMENTS.get(fragment, "orgs/referral.html"), context, status=status)


def _back(organisation_id: int, referral: Referral) -> HttpResponse:
    return redirect("orgs:referral", organisation_id=organisation_id, referral_id=referral.pk)


def _refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, str(error))


@require_http_methods(["POST"])
@login_required
def referral_move(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose what to do with the referral."))
        return _back(organisation_id, referral)
    data = form.cleaned_data
    try:
        services.referral_move(
            access=access,
            referral=referral,
            to=data["to"],
            reason=data["reason"],
            outcome=data["outcome"],
            note=data["note"],
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            gettext("%(reference)s is now %(state)s.")
            % {"reference": referral.reference, "state": ReferralStatus(data["to"]).label.lower()},
        )
    return _back(organisation_id, referral)


@require_http_methods(["POST"])
@login_required
def referral_assign(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(
        user=request.user, organisation_id=organisation_id, referral_id=referral_id, capability="referrals.manage"
    )
    form = AssignForm(request.POST)
    assignee = User.objects.filter(pk=form.cleaned_data["assignee"]).first() if form.is_valid() else None
    if assignee is None:
        messages.error(request, gettext("Choose someone on your staff."))
        return _back(organisation_id, referral)
    try:
        services.referral_assign(access=access, referral=referral, assignee=assignee)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            gettext("%(reference)s is assigned to %(name)s.")
            % {"reference": referral.reference, "name": assignee.display_name},
        )
    return _back(organisation_id, referral)


@require_http_methods(["POST"])
@login_required
def referral_note(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Write the note first (5,000 characters at most)."))
        return _back(organisation_id, referral)
    try:
        services.referral_note_add(access=access, referral=referral, text=form.cleaned_data["text"])
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, gettext("Note added."))
    return _back(organisation_id, referral)


@require_http_methods(["POST"])
@login_required
def referral_contact(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    try:
        services.referral_contact_record(access=access, referral=referral, text=request.POST.get("text", "")[:5000])
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, gettext("First contact recorded."))
    return _back(organisation_id, referral)


@require_http_methods(["POST"])
@login_required
def referral_merge(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(
        user=request.user, organisation_id=organisation_id, referral_id=referral_id, capability="referrals.manage"
    )
    form = MergeForm(request.POST)
    other = (
        Referral.objects.filter(pk=form.cleaned_data["other"], organisation=access.organisation).first()
        if form.is_valid()
        else None
    )
    if other is None:
        messages.error(request, gettext("Choose a referral of your organisation to merge into this one."))
        return _back(organisation_id, referral)
    try:
        services.referral_merge(access=access, keep=referral, other=other)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            gettext("%(other)s is merged into %(reference)s. Both histories are kept.")
            % {"other": other.reference, "reference": referral.reference},
        )
    return _back(organisation_id, referral)


@require_http_methods(["POST"])
@login_required
def referral_wellbeing(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    answers: dict[str, int] = {}
    for name in wellbeing.NAMES:
        value = request.POST.get(name, "")
        if value.isdigit() and len(value) <= 2:
            answers[name] = int(value)
    try:
        wellbeing.wellbeing_record(
            access=access, referral=referral, stage=request.POST.get("stage", ""), answers=answers
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, gettext("The wellbeing answers are saved."))
    return _back(organisation_id, referral)


@require_http_methods(["POST"])
@login_required
def referral_circle(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    """Start a family circle from the referral, with the person's consent."""
    access, referral = access_referral(
        user=request.user, organisation_id=organisation_id, referral_id=referral_id, capability="referrals.manage"
    )
    try:
        bridge.referral_circle_start(
            access=access,
            referral=referral,
            consent_confirmed=request.POST.get("consent") == "yes",
            family_name=request.POST.get("family_name", "")[:80],
            family_email=request.POST.get("family_email", "")[:254],
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            gettext("%(person)s's circle is started. The invitations are on their way.")
            % {"person": referral.person_name},
        )
    return _back(organisation_id, referral)


@require_http_methods(["POST"])
@login_required
def referral_circle_end(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    """The person withdrew consent: the organisation's staff leave the circle at once."""
    access, referral = access_referral(
        user=request.user, organisation_id=organisation_id, referral_id=referral_id, capability="referrals.manage"
    )
    try:
        with transaction.atomic():
            bridge.referral_circle_unlink(access=access, referral=referral, reason="the person withdrew consent.")
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, gettext("Your organisation no longer has access to the circle."))
    return _back(organisation_id, referral)

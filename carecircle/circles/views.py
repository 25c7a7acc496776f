"""The circles pages: your circles, starting one, a circle's home, its details, photo and consent.

The people pages are in member_views.py and the invitation pages in invitation_views.py. Every
page reaches circle data through circles/access.py and changes it only through
circles/services.py. A rule the services refuse (CircleError) is shown to the person with what to
do next, never as a server error.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carecircle.circles import registries, selectors, services
from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.conditional import not_modified, viewer_part_values, with_etag
from carecircle.circles.consent_questions import ConsentQuestionsForm, summary_sentence
from carecircle.circles.forms import (
    CONSENT_ROLES,
    ROLE_PLURALS,
    CircleCreateForm,
    CircleEditForm,
    CirclePhotoForm,
    ConsentForm,
)
from carecircle.circles.fragments import KeptRegions
from carecircle.circles.models import Role
from carecircle.circles.pages import (
    HOME_HEADING_REGION,
    HOME_LINKS_REGION,
    INVALID,
    MEMBER_EVENT_TYPES,
    MEMBER_REGION,
    TAKEN_FOR_GRANTED,
    circle_context,
    member_summary_html,
    viewer,
)
from carecircle.circles.permissions import CAPABILITIES, capabilities_for, effective_consent

# Your circles and starting one.


@require_http_methods(["GET"])
@login_required
def circle_list(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    memberships = selectors.circle_memberships_for(viewer=user)
    waiting = registries.waiting_requests_for(user)
    if not memberships and not waiting:
        landing = registries.landing_for(user)
        if landing is not None:
            return redirect(landing)
    context = {"nav": "circles", "memberships": memberships, "waiting": waiting}
    return render(request, "circles/list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def circle_create(request: HttpRequest) -> HttpResponse:
    actor = viewer(request)
    if request.method == "POST":
        form = CircleCreateForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                circle = services.circle_create(
                    actor=actor,
                    person_name=data["person_name"],
                    relationship="" if form.actor_is_person else data["relationship"],
                    person_date_of_birth=data["person_date_of_birth"],
                    person_photo=data["photo"],
                    actor_is_person=form.actor_is_person,
                    client_id=data["client_id"],
                )
            except services.CircleError as error:
                form.add_error(None, str(error))
            else:
                if form.actor_is_person:
                    text = gettext(
                        "Your circle is ready. Now invite the people who help you, so everyone sees what's needed."
                    )
                else:
                    text = gettext(
                        "%(person)s's circle is ready. Now invite the people who help, so everyone sees what's needed."
                    ) % {"person": circle.person_name}
                messages.success(request, text)
                return redirect("circles:home", circle_id=circle.pk)
    else:
        form = CircleCreateForm()
    status = INVALID if form.errors else 200
    return render(request, "circles/create.html", {"nav": "circles", "form": form}, status=status)


# One circle.


@require_http_methods(["GET"])
@login_required
def circle_home(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.view")
    # The reader's settings are worked out once, for the kept regions' keys and the ETag alike; `write`
    # checks they still hold once the page is drawn, before the ETag is given.
    kept = KeptRegions(access)
    settings = kept.settings or None
    if (unchanged := not_modified(request, access, viewer_parts=True, settings=settings)) is not None:
        return unchanged
    # Per-viewer state of the sections (read in one query, with the ETag): part of their cache keys.
    state = dict(part.split("=", 1) for part in viewer_part_values(request, access))
    # Every kept section in one cache round trip, keyed by the same parts home.html's regions are
    # drawn with (a region whose parts turn out different is read on its own: fragments.py), with
    # what apps' sections work out their parts from (tasks: its version); a section whose parts
    # turn out other than it expected is drawn.
    sections = registries.home_sections(access)
    regions = [(name, ahead.parts) for name, ahead in sections if ahead.parts is not None]
    regions += [(HOME_HEADING_REGION, [access.membership.relationship]), (HOME_LINKS_REGION, [])]
    if access.can("circle.edit"):
        regions.append(("notifications:home", [state.get("failed deliveries", "")]))
    if access.can("members.view"):
        regions.append((MEMBER_REGION, []))
    regions += [("records:home", []), ("conversations:home", [str(access.user_id), state.get("read markers", "")])]
    kept.read(regions, also=[key for _, ahead in sections for key in ahead.keys])
    section_context: dict[str, Any] = {}
    holds_until: list[datetime.datetime] = []
    for name, ahead in sections:
        parts, needs = ahead.settle(kept.values, kept.keep)
        kept.draw_unread(name, parts)
        if (until := needs.pop(registries.HOLDS_UNTIL, None)) is not None:
            holds_until.append(until)
        section_context.update(needs)
    context = circle_context(
        access,
        can_read_record=any(key.startswith("records.read.") for key in access.capabilities),
        viewer_state=state,
        kept_regions=kept,
        **section_context,
    )
    if access.can("members.view"):
        context.update(live_types=MEMBER_EVENT_TYPES, member_list=member_summary_html(access, kept))
    response = render(request, "circles/home.html", context)
    if not kept.write():
        return response  # Its date passed midnight while it was drawn: no ETag for the old sections.
    # A section that changes with the clock (what ended two hours ago leaves "coming up") says when:
    # the browser's copy is answered 304 only until then.
    until = min(holds_until, default=None)
    return with_etag(request, access, response, viewer_parts=True, settings=settings, until=until)


@require_http_methods(["GET"])
@login_required
def circle_photo(request: HttpRequest, circle_id: int) -> FileResponse:
    """The person's photo, only for the people in their circle."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.view")
    photo = access.circle.person_photo
    if not photo:
        raise Http404("No photo.")
    try:
        handle = photo.open("rb")
    except FileNotFoundError as error:
        raise Http404("No photo.") from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _edit_page(
    request: HttpRequest,
    access: CircleAccess,
    *,
    form: CircleEditForm | None = None,
    photo_form: CirclePhotoForm | None = None,
) -> HttpResponse:
    """The details page, with the details form and the photo form; 400 when either has a mistake."""
    circle = access.circle
    if form is None:
        form = CircleEditForm(
            initial={
                "person_name": circle.person_name,
                "person_date_of_birth": circle.person_date_of_birth,
                "person_district": circle.person_district,
            }
        )
    photo_form = photo_form or CirclePhotoForm()
    status = INVALID if form.errors or photo_form.errors else 200
    context = circle_context(access, form=form, photo_form=photo_form)
    return render(request, "circles/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def circle_edit(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.edit")
    if request.method != "POST":
        return _edit_page(request, access)
    form = CircleEditForm(request.POST)
    if form.is_valid():
        try:
            services.circle_update(
                actor=viewer(request),
                circle=access.circle,
                person_name=form.cleaned_data["person_name"],
                person_date_of_birth=form.cleaned_data["person_date_of_birth"],
                person_district=form.cleaned_data["person_district"],
            )
        except services.CircleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("Saved."))
            return redirect("circles:home", circle_id=circle_id)
    return _edit_page(request, access, form=form)


@require_http_methods(["POST"])
@login_required
def circle_photo_change(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Add or replace the person's photo, from the form on the details page."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.edit")
    photo_form = CirclePhotoForm(request.POST, request.FILES)
    if not photo_form.is_valid():
        return _edit_page(request, access, photo_form=photo_form)
    had_photo = bool(access.circle.person_photo)
    services.circle_photo_update(actor=viewer(request), circle=access.circle, photo=photo_form.cleaned_data["photo"])
    messages.success(request, gettext("The new photo is saved.") if had_photo else gettext("The photo is saved."))
    return redirect("circles:edit", circle_id=circle_id)


@require_http_methods(["POST"])
@login_required
def circle_photo_remove(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.edit")
    if access.circle.person_photo:
        services.circle_photo_update(actor=viewer(request), circle=access.circle, photo=None)
        messages.success(
            request, gettext("The photo of %(person)s is removed.") % {"person": access.circle.person_name}
        )
    else:
        messages.info(
            request, gettext("There was no photo of %(person)s to remove.") % {"person": access.circle.person_name}
        )
    return redirect("circles:edit", circle_id=circle_id)


# Consent: who sees what.


def _consent_summary(consent: dict[str, list[str]]) -> list[dict[str, Any]]:
    """For the page: what each role may see and do, in a sentence and in the capability map's own words."""
    summary = []
    for role in CONSENT_ROLES:
        granted = capabilities_for(role=role.value, consent=consent, person_is_member=False)
        labels = [c.label for c in CAPABILITIES if c.key in granted and c.key not in TAKEN_FOR_GRANTED]
        plural = str(ROLE_PLURALS[role])
        sentence = summary_sentence(role=role, granted=consent.get(role.value, []))
        summary.append({"title": plural, "labels": labels, "sentence": sentence})
    return summary


def _questions_form(access: CircleAccess, current: dict[str, list[str]], data: Any = None) -> ConsentQuestionsForm:
    return ConsentQuestionsForm(
        data,
        consent=current,
        roles=CONSENT_ROLES,
        person_name=access.circle.person_name,
        viewer_is_person=access.role == Role.PERSON,
    )


@require_http_methods(["GET", "POST"])
@login_required
def consent(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.view")
    circle = access.circle
    current = effective_consent(circle.consent or {})
    can_change = access.can("consent.manage")
    status = 200
    form = questions = None
    if request.method == "POST":
        access.require("consent.manage")
        # Two forms, one service: the plain questions, or every permission in the grid.
        if request.POST.get("form") == "questions":
            questions = _questions_form(access, current, request.POST)
            chosen: Any = questions
        else:
            form = ConsentForm(request.POST, consent=current)
            chosen = form
        if chosen.is_valid():
            try:
                services.consent_update(actor=viewer(request), circle=circle, grants=chosen.grants())
            except services.CircleError as error:
                chosen.add_error(None, str(error))
            else:
                messages.success(request, gettext("Saved. Everyone in the circle now sees what these settings allow."))
                return redirect("circles:consent", circle_id=circle.pk)
        status = INVALID
    if can_change:
        questions = questions or _questions_form(access, current)
        grid_open = form is not None
        form = form or ConsentForm(consent=current)
    else:
        grid_open = False
    summary = _consent_summary(current)
    question_groups = []
    if questions is not None:
        question_groups = [
            {**role_summary, "fields": fields}
            for role_summary, (_, fields) in zip(summary, questions.grouped(), strict=True)
        ]
    context = circle_context(
        access,
        form=form,
        questions=questions,
        question_groups=question_groups,
        grid_open=grid_open,
        can_change=can_change,
        summary=summary,
    )
    return render(request, "circles/consent.html", context, status=status)

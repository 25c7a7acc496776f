"""Answering the private offer of support on a circle's home: "Not now" or "Don't show this again".

A plain form post that redirects back to the circle's home, so it works without JavaScript. Only
the member offered it can answer; nothing goes in the circle's activity log, which others read.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.orgs import support_offers


@require_http_methods(["POST"])
@login_required
def support_offer_answer(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.view")
    actor = request.user
    assert isinstance(actor, User)
    answer = request.POST.get("answer", "")
    try:
        support_offers.support_offer_answer(actor=actor, access=access, answer=answer)
    except support_offers.SupportOfferError as error:
        context = {"title": gettext("That didn't work"), "text": str(error)}
        return render(request, "web/error.html", context, status=error.status)
    if answer == support_offers.NEVER:
        messages.success(request, gettext("Done. You won't see this again."))
    else:
        messages.success(
            request,
            ngettext(
                "Done. It's hidden for %(weeks)s week. Find local support is there whenever you need it.",
                "Done. It's hidden for %(weeks)s weeks. Find local support is there whenever you need it.",
                support_offers.LATER_WEEKS,
            )
            % {"weeks": support_offers.LATER_WEEKS},
        )
    return redirect("circles:home", circle_id=access.circle.pk)

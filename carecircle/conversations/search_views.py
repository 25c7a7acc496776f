"""Search in a circle's conversations and updates."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.audit.display import when_text
from carecircle.circles.access import access_circle
from carecircle.circles.pages import INVALID, circle_context
from carecircle.conversations.forms import SearchForm
from carecircle.conversations.models import ConversationKind
from carecircle.conversations.search import message_search


@require_http_methods(["GET"])
@login_required
def search(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id)
    form = SearchForm(request.GET if "q" in request.GET else None)
    rows = []
    status = 200
    searched = False
    if form.is_bound:
        if form.is_valid():
            searched = True
            family = reverse("conversations:family", kwargs={"circle_id": circle_id})
            news = reverse("conversations:news", kwargs={"circle_id": circle_id})
            for found in message_search(access=access, text=form.cleaned_data["q"]):
                kind = found.conversation.kind
                if kind == ConversationKind.CIRCLE:
                    base, where = family, _("Family conversation")
                elif kind == ConversationKind.NEWS:
                    base, where = news, _("Updates and support")
                else:
                    base = reverse(
                        "conversations:conversation",
                        kwargs={"circle_id": circle_id, "conversation_id": found.conversation_id},
                    )
                    where = _("Direct messages")
                link = f"{base}?before={found.pk + 1}#m-{found.pk}"
                rows.append({"message": found, "link": link, "where": where, "when": when_text(found.created_at)})
        else:
            status = INVALID
    context = circle_context(access, form=form, rows=rows, searched=searched)
    return render(request, "conversations/search.html", context, status=status)

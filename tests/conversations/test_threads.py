"""Comment threads that other apps hang on their things (tasks, record entries) by kind and id."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from carecircle.circles import registries
from carecircle.circles.access import CircleAccess, access_circle
from carecircle.conversations.models import Message
from carecircle.conversations.pages import thread_context
from carecircle.conversations.services import thanks_send
from tests.cast import Cast
from tests.circles.conftest import text_of

KNOWN_TASKS = {7}


def task_rule(access: CircleAccess, subject_id: int, write: bool) -> None:
    """Like the tasks app would: the task must exist; reading needs tasks.view, writing tasks.volunteer."""
    if subject_id not in KNOWN_TASKS:
        raise Http404("No such task.")
    access.require("tasks.volunteer" if write else "tasks.view")


@pytest.fixture
def task_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registries.THREAD_RULES, "task", task_rule)


def _thread_url(cast: Cast, subject_id: int = 7) -> str:
    kwargs = {"circle_id": cast.circle.pk, "subject_kind": "task", "subject_id": subject_id}
    return reverse("conversations:thread", kwargs=kwargs)


@pytest.mark.usefixtures("task_threads")
def test_a_registered_thread_follows_its_apps_rule(cast: Cast, as_user: Any) -> None:
    assert as_user(cast.helper).post(_thread_url(cast), {"body": "I can do Tuesday"}).status_code == 302
    assert "I can do Tuesday" in text_of(as_user(cast.paid_carer).get(_thread_url(cast)))
    assert as_user(cast.professional).get(_thread_url(cast)).status_code == 403
    assert as_user(cast.helper).get(_thread_url(cast, 8)).status_code == 404
    assert as_user(cast.outsider).get(_thread_url(cast)).status_code == 404


def test_an_unregistered_kind_is_not_found(cast: Cast, as_user: Any) -> None:
    assert as_user(cast.organiser).get(_thread_url(cast)).status_code == 404


@pytest.mark.usefixtures("task_threads")
def test_another_apps_page_shows_the_thread_and_posting_returns_there(cast: Cast, as_user: Any) -> None:
    request = RequestFactory().get("/circles/1/tasks/7/")
    request.user = cast.helper
    access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    thread = thread_context(request, access=access, subject_kind="task", subject_id=7, heading="Questions")
    html = Template("{% load conversations_tags %}{% comment_thread thread %}").render(
        Context({"thread": thread, "csp_nonce": "n0nce"})
    )
    assert '<h2 id="thread-heading-' in html
    assert "Questions" in html
    assert 'name="next" value="/circles/1/tasks/7/"' in html
    response = as_user(cast.helper).post(_thread_url(cast), {"body": "Done", "next": "/circles/1/tasks/7/"})
    assert response["Location"].startswith("/circles/1/tasks/7/#m-")
    elsewhere = as_user(cast.helper).post(_thread_url(cast), {"body": "Again", "next": "https://evil.example/"})
    assert elsewhere["Location"].startswith(_thread_url(cast))
    professional = access_circle(user=cast.professional, circle_id=cast.circle.pk)
    with pytest.raises(PermissionDenied):
        thread_context(request, access=professional, subject_kind="task", subject_id=7)


def test_thanks_for_a_task_shows_in_the_news_for_the_circle(cast: Cast, as_user: Any) -> None:
    thanks_send(
        actor=cast.organiser,
        circle=cast.circle,
        recipient=cast.helper,
        subject_kind="task",
        subject_id=7,
        subject_label="Lift to hospital",
        note="You're a star",
    )
    page = text_of(as_user(cast.well_wisher).get(reverse("conversations:news", kwargs={"circle_id": cast.circle.pk})))
    assert "Olivia Organiser thanked Helper for “Lift to hospital”: You're a star" in page


@pytest.mark.usefixtures("task_threads")
def test_after_replying_in_a_thread_the_page_comes_back_without_reply_to(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    client.post(_thread_url(cast), {"body": "Who can do Tuesday?"})
    first = Message.objects.get()
    back = "/circles/1/tasks/7/?on=2026-12-08&reply_to=" + str(first.pk)
    response = client.post(_thread_url(cast), {"body": "Me", "reply_to": first.pk, "next": back})
    assert response.status_code == 302
    assert response["Location"].startswith("/circles/1/tasks/7/?on=2026-12-08#m-")

"""One table from a refused action to an HTTP status, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from carecircle.accounts.services import AccountError
from carecircle.circles.services import CircleConflict, CircleError
from carecircle.conversations import services
from carecircle.conversations.services import ConversationConflict, ConversationError
from carecircle.lib.errors import Conflict, DomainError, Gone, InvalidFields, NotAllowed, NotFound, TooLarge
from carecircle.records.services import EditConflict, RecordConflict, RecordError
from carecircle.tasks.services import TaskConflict, TaskError
from tests.api.conftest import API, token_client
from tests.cast import Cast
from tests.conversations.conftest import family_of


def test_each_kind_of_refusal_declares_its_status() -> None:
    kinds: list[type[DomainError]] = [DomainError, NotAllowed, NotFound, Conflict, Gone, TooLarge, InvalidFields]
    assert [kind.status for kind in kinds] == [400, 403, 404, 409, 410, 413, 422]


@pytest.mark.parametrize("app_error", [AccountError, CircleError, TaskError, RecordError, ConversationError])
def test_every_apps_refusal_is_a_domain_error_answered_400(app_error: type[DomainError]) -> None:
    assert issubclass(app_error, DomainError)
    assert app_error("Do it another way.").status == 400


@pytest.mark.parametrize(
    ("conflict", "app_error"),
    [
        (CircleConflict, CircleError),
        (TaskConflict, TaskError),
        (RecordConflict, RecordError),
        (EditConflict, RecordError),
        (ConversationConflict, ConversationError),
    ],
)
def test_an_apps_conflict_is_caught_as_its_error_and_answered_409(
    conflict: type[DomainError], app_error: type[DomainError]
) -> None:
    assert issubclass(conflict, app_error)
    assert conflict.status == 409


def test_a_refusal_about_one_field_is_an_invalid_field_in_the_api() -> None:
    about_body = ConversationError("Write something.", field="body")
    assert (about_body.status, about_body.api_status) == (400, 422)
    assert about_body.field_errors == {"body": "Write something."}
    assert ConversationError("Write something.").api_status == 400
    assert ConversationConflict("Removed.", field="body").api_status == 409
    fields = InvalidFields({"email": "Give an email address.", "phone": "Give a number."})
    assert fields.field_errors == {"email": "Give an email address.", "phone": "Give a number."}


def _removed_by_organiser(cast: Cast) -> Any:
    message = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Oops").message
    services.message_remove(actor=cast.organiser, where=family_of(cast, cast.organiser), message=message)
    return message


def test_the_page_and_the_api_answer_the_same_refusal_with_the_same_status(cast: Cast, as_user: Any) -> None:
    # Only the person who removed a message may undo it: a clash with its state, 409 everywhere.
    message = _removed_by_organiser(cast)
    conversation = message.conversation_id
    api = token_client(cast.helper).post(
        f"{API}/circles/{cast.circle.pk}/conversations/{conversation}/messages/{message.pk}/restore"
    )
    page = as_user(cast.helper).post(
        reverse(
            "conversations:message_restore",
            kwargs={"circle_id": cast.circle.pk, "conversation_id": conversation, "message_id": message.pk},
        ),
        headers={"X-Requested-With": "fetch"},
    )
    assert (api.status_code, page.status_code) == (409, 409)
    assert api.json()["detail"] == page.content.decode()
    assert "by the person who removed it" in page.content.decode()


def test_the_api_points_at_the_field_a_service_refused(cast: Cast) -> None:
    # The schema accepts an empty body; only the service knows there is no photo left to show.
    message = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Hi").message
    response = token_client(cast.helper).patch(
        f"{API}/circles/{cast.circle.pk}/conversations/{message.conversation_id}/messages/{message.pk}",
        {"body": ""},
        content_type="application/json",
    )
    assert response.status_code == 422
    refusal = {"field": "body", "message": "Write something, or remove the message instead."}
    assert response.json()["errors"] == [refusal]

"""Schemathesis generates requests for every operation from the OpenAPI document: none may answer
with a server error, and every answer must match the document (BUDGETS.md: API fuzzing)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from carecircle.accounts.services import api_token_create
from carecircle.api.api import api

# Through JSON, as clients read it; calls go straight to the WSGI application, in the test's transaction.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
schema.app = get_wsgi_application()


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """As Django's test client does: a request must not close the connection holding the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_document(
    case: Any, cast: Any, settings: Any, keep_test_connection: None
) -> None:
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    _, secret = api_token_create(actor=cast.organiser, name="fuzzing")
    # Identity encoding: the WSGI test client would not decompress a gzipped answer.
    # Not positive_data_acceptance: some rules span fields (a text invitation needs a phone number) or
    # the database (an invitation token must exist), which an OpenAPI schema cannot express.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )

"""Fixtures for the API tests: clients that authenticate with a personal token or a session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from carecircle.accounts.models import User
from carecircle.accounts.services import api_token_create

API = "/api/v1"

type ClientFor = Callable[[User | None], Client]


def token_client(user: User) -> Client:
    _, secret = api_token_create(actor=user, name="Tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def api_as(db: None) -> ClientFor:
    """api_as(user) → a client that sends that user's personal API token (None: no credentials)."""

    def make(user: User | None) -> Client:
        return Client() if user is None else token_client(user)

    return make

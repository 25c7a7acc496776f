"""The demo's circle around Dad, with something in every part: realistic data for data-rights tests."""

from __future__ import annotations

from typing import Any

import pytest

from carecircle.accounts.models import User
from carecircle.web.demo import demo_load


@pytest.fixture
def demo(db: None, django_capture_on_commit_callbacks: Any) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        return demo_load()


def demo_user(local_part: str) -> User:
    return User.objects.get(email=f"{local_part}@demo.carecircle.test")

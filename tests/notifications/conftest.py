"""Fixtures shared by the notification tests."""

from tests.notifications.push_service import push_service

__all__ = ["push_service"]

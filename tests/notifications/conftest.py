"""Fixtures shared by the notification tests."""

from tests.notifications.busy_sms import start, twilio
from tests.notifications.push_service import push_service

__all__ = ["push_service", "start", "twilio"]

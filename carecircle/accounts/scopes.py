"""What accounts needs to know about circles to scope an API token, without importing circles.

circles registers the function that names a person's circles (AppConfig.ready); accounts asks it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from carecircle.accounts.models import User

CirclesOf = Callable[[User], dict[int, str]]
_circles_of: list[CirclesOf] = []

TOKEN_LIFETIMES = (("90", _("90 days")), ("30", _("30 days")), ("365", _("A year")), ("", _("No end date")))


def circles_of_register(lookup: CirclesOf) -> None:
    _circles_of[:] = [lookup]


def circles_of(user: User) -> dict[int, str]:
    """The circles this person is a member of, id → the person's name."""
    return _circles_of[0](user) if _circles_of else {}

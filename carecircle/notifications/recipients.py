"""A member as telling them reads them: the membership's and the account's few columns, as one row.

A message in a circle of 1,000 had the worker build 1,000 `Membership` and 1,000 `User` instances
(≈ 30 ms of a message's ≈ 150 ms of CPU) to read seven columns of each. `notify._members` now reads
those columns as tuples into `Recipient`s; the whole account is read only when the caller's own
`render(user)` needs it (`account`). Docs: docs/architecture/notifications.md, "Members as rows".
"""

from __future__ import annotations

from dataclasses import dataclass

from carecircle.accounts.models import User


@dataclass(frozen=True, slots=True)
class Recipient:
    """One member to tell: who, in which role, how to reach them, in which language and time zone."""

    user_id: int
    role: str
    # Whether the circle's person is a member: with the role and consent it decides the capabilities.
    person_is_member: bool
    email: str
    phone: str
    language: str
    time_zone: str
    # The whole account, read only for a caller's render(user) (notify(render=...)); None otherwise.
    account: User | None = None

    @property
    def pk(self) -> int:
        return self.user_id

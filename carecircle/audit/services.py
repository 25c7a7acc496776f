"""Writing audit rows. Called by every service, inside its transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carecircle.audit.models import AuditEntry

if TYPE_CHECKING:
    from carecircle.accounts.models import User
    from carecircle.circles.models import Circle


def audit_record(
    *,
    actor: User | None,
    action: str,
    circle: Circle | None = None,
    subject: User | None = None,
    subject_name: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log."""
    return AuditEntry.objects.create(
        circle=circle,
        actor=actor,
        actor_name=actor.display_name if actor else "",
        action=action,
        subject_user=subject,
        subject_name=subject_name or (subject.display_name if subject else ""),
        data=data or {},
    )

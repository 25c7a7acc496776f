"""Stored files of an organisation go with their rows: a referral's attachments, an organisation's logo.

Rows go by cascade from wherever an organisation or a referral is deleted (a service, the admin,
an erasure), so the file is removed from a `post_delete` receiver, the one place every cascade
passes. The file is deleted only after the transaction commits: a rolled-back delete keeps its
file, and a failed storage call never undoes the database change (it is logged; the file is
then an orphan that the storage can be swept of, never a row pointing at nothing).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.signals import post_delete

logger = logging.getLogger(__name__)


def delete_after_commit(storage: Storage, name: str) -> None:
    """Remove a stored file once the current transaction commits (at once outside one)."""

    def remove() -> None:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not remove the stored file %s; it is now unreferenced.", name)

    transaction.on_commit(remove)


def _attachment_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.file.name:
        delete_after_commit(instance.file.storage, instance.file.name)


def _logo_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.logo.name:
        delete_after_commit(instance.logo.storage, instance.logo.name)


def connect() -> None:
    from carecircle.orgs.models import Organisation, ReferralAttachment

    post_delete.connect(_attachment_deleted, sender=ReferralAttachment, dispatch_uid="orgs_attachment_file")
    post_delete.connect(_logo_deleted, sender=Organisation, dispatch_uid="orgs_logo_file")

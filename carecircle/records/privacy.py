"""What the shared record does for data rights: what a person wrote and looked at, erasure, a circle's erasure."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.lib.privacy_registry import (
    circle_eraser_register,
    csv_rows,
    erasure_register,
    json_array,
    subject_part_register,
)
from carecircle.lib.retention import RetentionRule, retention_rule_register
from carecircle.lib.zipstream import Member
from carecircle.records.models import PdfJob, RecordDocument, RecordEntry, RecordVersion, RecordView, ShareLink

BATCH = 500
FORMER_MEMBER = "Former member"


def _versions(user: User) -> Iterable[dict[str, object]]:
    for version in RecordVersion.objects.filter(author=user).select_related("entry").order_by("id").iterator(BATCH):
        yield {
            "circle": version.entry.circle_id,
            "entry": version.entry_id,
            "section": version.entry.section,
            "version": version.number,
            "change": version.change,
            "values": version.data,
            "when": version.created_at,
        }


def subject_access(user: User) -> Iterable[Member]:
    yield ("record/what-you-wrote.json", json_array(_versions(user)))
    yield (
        "record/what-you-looked-at.csv",
        csv_rows(
            ["circle", "what", "when"],
            RecordView.objects.filter(viewer=user).values_list("circle_id", "what", "created_at").iterator(BATCH),
        ),
    )
    yield (
        "record/share-links-you-made.csv",
        csv_rows(
            ["circle", "for", "sections", "made", "ends", "stopped"],
            ShareLink.objects.filter(created_by=user).values_list(
                "circle_id", "recipient", "sections", "created_at", "expires_at", "revoked_at"
            ),
        ),
    )
    documents = RecordDocument.objects.filter(entry__created_by=user, entry__deleted_at__isnull=True)
    for document in documents.order_by("entry_id").iterator(BATCH):
        yield (f"record/documents/{document.entry_id}-{document.filename}", document.file.open)


def erase(user: User) -> None:
    # Record entries are about the person being helped and stay for the circle; only the author's
    # name is replaced. Looks by this person stay in the access log under "Former member".
    RecordEntry.objects.filter(updated_by=user).update(updated_by_name=FORMER_MEMBER)
    RecordVersion.objects.filter(author=user).update(author_name=FORMER_MEMBER)
    ShareLink.objects.filter(created_by=user).update(created_by_name=FORMER_MEMBER)
    RecordView.objects.filter(viewer=user).update(viewer_name=FORMER_MEMBER)


def kept(user: User) -> list[str]:
    if not RecordVersion.objects.filter(author=user).exists():
        return []
    return [
        gettext(
            "What you added to a shared record stays, because it's about the person being helped and others rely "
            "on it; it will say “Former member” instead of your name."
        )
    ]


def erase_circle(circle_id: int) -> int:
    removed = 0
    documents = RecordDocument.objects.filter(entry__circle_id=circle_id)
    while batch := list(documents.order_by("pk")[:BATCH]):
        for document in batch:
            if document.file.name:
                document.file.storage.delete(document.file.name)
        with transaction.atomic():
            removed += RecordDocument.objects.filter(pk__in=[document.pk for document in batch]).delete()[0]
    for queryset in (
        PdfJob.objects.filter(circle_id=circle_id),
        RecordView.objects.filter(circle_id=circle_id),
        RecordEntry.objects.filter(circle_id=circle_id),
    ):
        while ids := list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH]):
            with transaction.atomic():
                removed += queryset.model._default_manager.filter(pk__in=ids).delete()[0]
    return removed


subject_part_register("records", subject_access)
erasure_register("records", handler=erase, kept=kept)
circle_eraser_register("records", erase_circle)
retention_rule_register(
    RetentionRule(name="summary PDFs", setting="RETENTION_RECORD_PDF_DAYS", model=PdfJob, date_field="queued_at")
)
retention_rule_register(
    RetentionRule(name="access log", setting="RETENTION_ACCESS_LOG_DAYS", model=RecordView, date_field="created_at")
)
# A share link's views point at it (`RecordView.share_link`, set to null when it goes), so the link is
# kept as long as the access log: removed RETENTION_ACCESS_LOG_DAYS after it expired, when every view
# made through it has gone from the log already. A revoked link counts from its expiry too.
retention_rule_register(
    RetentionRule(name="share links", setting="RETENTION_ACCESS_LOG_DAYS", model=ShareLink, date_field="expires_at")
)

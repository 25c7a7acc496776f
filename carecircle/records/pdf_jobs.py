"""The summary PDF is drawn by the worker, never in the request (issue 12).

WeasyPrint's time grows with the record (1.9 s at 50 entries a section, 24 s at 500:
docs/performance.md), so a download that finds no PDF drawn for its key (`exports.pdf_key`) queues
a `PdfJob` and answers "Your PDF is being prepared"; the page asks again every few seconds and the
same address serves the PDF once the worker has drawn it. The key is unique, so a burst of clicks,
or two readers in the same position, queue one job. The job holds what the reader may see, captured
at request time (capabilities, audiences, share link, language, time zone): the worker draws for
that position and no other, and a download is only ever served the job of its own key. Access
checks and the access log stay in the views, before this, for every download.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone, translation

from carecircle.records.access import Reader
from carecircle.records.exports import draw_pdf, pdf_key
from carecircle.records.models import PdfJob

logger = logging.getLogger(__name__)

# A drawn PDF is served this long; its key changes with the record anyway (exports.pdf_key).
KEEP = datetime.timedelta(hours=24)
# A job queued or drawing this long was lost (a worker stopped mid-way): the next download queues it again.
STALE = datetime.timedelta(minutes=10)
# A failed drawing is shown as failed this long, then the next download tries again by itself.
FAILED_SHOWN = datetime.timedelta(minutes=1)
# How often the "being prepared" page asks again, in seconds.
ASK_AGAIN_SECONDS = 3


@dataclass(frozen=True)
class PdfState:
    """What a download finds: "ready" with the PDF, "waiting" (queued or drawing) or "failed"."""

    status: str
    pdf: bytes | None = None


def pdf_state(reader: Reader, *, again: bool = False) -> PdfState:
    """The reader's PDF when drawn; else queue it once (idempotent per key) and say it is waiting.

    `again` queues a failed drawing again at once (the "Try again" link); a lost job, a failure older
    than FAILED_SHOWN or a PDF older than KEEP is queued again by any download.
    """
    key = pdf_key(reader)
    job = PdfJob.objects.filter(key=key).first()
    if job is None:
        job, created = PdfJob.objects.get_or_create(key=key, defaults=_captured(reader))
        if created:
            _queue(job.pk)
            return PdfState(PdfJob.Status.WAITING)
    now = timezone.now()
    if job.status == PdfJob.Status.READY and job.pdf is not None and job.finished_at and now - job.finished_at < KEEP:
        return PdfState(PdfJob.Status.READY, bytes(job.pdf))
    if job.status in (PdfJob.Status.WAITING, PdfJob.Status.DRAWING) and now - job.queued_at < STALE:
        return PdfState(PdfJob.Status.WAITING)
    if job.status == PdfJob.Status.FAILED and not again and job.finished_at and now - job.finished_at < FAILED_SHOWN:
        return PdfState(PdfJob.Status.FAILED)
    # Queued again by whichever download gets here first: the update matches only the job as read.
    requeued = PdfJob.objects.filter(pk=job.pk, status=job.status, queued_at=job.queued_at).update(
        status=PdfJob.Status.WAITING, queued_at=now, finished_at=None, pdf=None, **_captured(reader)
    )
    if requeued:
        _queue(job.pk)
    return PdfState(PdfJob.Status.WAITING)


def _captured(reader: Reader) -> dict[str, object]:
    """Everything the worker needs to draw for this reader's position, as the request sees it."""
    return {
        "circle": reader.circle,
        "share_link": reader.share_link,
        "capabilities": sorted(reader.capabilities),
        "audiences": list(reader.audiences),
        "language": translation.get_language() or "en",
        "time_zone": timezone.get_current_timezone_name(),
    }


def _queue(job_id: int) -> None:
    # After the job row is committed, so the worker finds it; never inside a transaction.
    transaction.on_commit(lambda: draw_pdf_job.enqueue(job_id))


@task()
def draw_pdf_job(job_id: int) -> str:
    """Draw one queued PDF, outside any transaction; safe to run twice (only a waiting job is claimed).

    Nothing is drawn for a position that has gone since the job was queued: the key is computed
    again from the circle as it is now, and any change to the record, the consent, the circle's
    members or the reader's date moves the circle's event sequence or the date, so the key no longer
    matches, and no download can ask for it any more (each computes its key from the reader's current
    access). A stopped or expired share link is not drawn for either. Such a job is deleted: a reader
    who still may read the record gets a job of their own on their next ask. A change while it is
    drawn is caught when the PDF is stored: only if the event sequence is still the one checked.
    """
    claimed = PdfJob.objects.filter(pk=job_id, status=PdfJob.Status.WAITING).update(
        status=PdfJob.Status.DRAWING, attempts=F("attempts") + 1
    )
    if not claimed:
        return "not waiting"
    job = PdfJob.objects.select_related("circle", "share_link").get(pk=job_id)
    reader = Reader(
        circle=job.circle,
        capabilities=frozenset(job.capabilities),
        audiences=tuple(job.audiences),
        share_link=job.share_link,
    )
    drawn_as = PdfJob.objects.filter(pk=job_id, status=PdfJob.Status.DRAWING, queued_at=job.queued_at)
    with translation.override(job.language), timezone.override(job.time_zone):
        if not _still_asked_for(job, reader):
            drawn_as.delete()
            return "gone"
        try:
            pdf = draw_pdf(reader)
        except Exception:
            logger.exception("The summary PDF (job %s) could not be drawn.", job_id)
            drawn_as.update(status=PdfJob.Status.FAILED, finished_at=timezone.now())
            return "failed"
    unchanged = drawn_as.filter(circle__event_seq=job.circle.event_seq)
    if job.share_link is not None:
        unchanged = unchanged.filter(share_link__revoked_at__isnull=True)
    if not unchanged.update(status=PdfJob.Status.READY, pdf=pdf, finished_at=timezone.now()):
        # The record, its consent or its members changed while it was drawn: drop what was drawn.
        drawn_as.delete()
        return "gone"
    return f"{len(pdf)} bytes"


def _still_asked_for(job: PdfJob, reader: Reader) -> bool:
    """Whether the job's key is still one a download can compute: same record, consent, members and date."""
    if job.share_link is not None and job.share_link.status != "active":
        return False
    return pdf_key(reader) == job.key

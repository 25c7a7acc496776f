"""Busy delivery services, held back by every worker until the time they asked for.

A push service, the text provider or an email provider's API that answers 429 or 503 is recorded
in `BusyService` (one row per service, in the database, so every worker process and every sweep
sees it; no Redis needed). Until then its other deliveries are handed back untried, not counted as
attempts. A send to it that succeeds clears the row early and releases what was held
(docs/architecture/notifications.md, "Busy services and Retry-After").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When

from carecircle.notifications.models import BusyService, Delivery, DeliveryStatus
from carecircle.notifications.retry_after import MAX_WAIT, Busy, retry_after_parse

# Without a Retry-After (GOV.UK Notify sends none), or with a shorter one, the service waits for the next sweep.
HOLD_AT_LEAST = datetime.timedelta(minutes=2)
# A push service's 429 may be about one device (APNs limits per device; RFC 8030 leaves the scope
# open): every device on that push service waits at most this long, the refused push itself what it asked.
PUSH_HOLD_AT_MOST = datetime.timedelta(minutes=5)
PUSH_PREFIX = "push "


def hold_for(*, service: str, busy: Busy, now: datetime.datetime) -> datetime.timedelta:
    """How long every worker leaves a busy service alone: what it asked, at least until the next sweep, capped."""
    asked = retry_after_parse(busy.retry_after, now=now) or datetime.timedelta(0)
    cap = PUSH_HOLD_AT_MOST if service.startswith(PUSH_PREFIX) else MAX_WAIT
    return min(max(asked, HOLD_AT_LEAST), cap)


def service_busy_record(*, service: str, status: int, until: datetime.datetime, now: datetime.datetime) -> None:
    """Hold a service back until `until`, or longer if another worker already asked for longer.

    One row per service however many workers are refused at once: the conditional UPDATE keeps the
    later time (the row is locked while it is updated), and of two INSERTs the unique key keeps one.
    """
    later = BusyService.objects.filter(service=service, until__lt=until)
    if later.update(until=until, status=status, recorded_at=now):
        return
    try:
        with transaction.atomic():
            BusyService.objects.create(service=service, until=until, status=status, recorded_at=now)
    except IntegrityError:
        # Another worker wrote the row meanwhile (or it already held a later time): keep the later of the two.
        later.update(until=until, status=status, recorded_at=now)


def services_busy(*, now: datetime.datetime) -> dict[str, datetime.datetime]:
    """Every service held back at `now`, with when it may be asked again; one query."""
    return dict(BusyService.objects.filter(until__gt=now).values_list("service", "until"))


def held_note(service: str, until: datetime.datetime) -> str:
    """The `last_error` of a delivery held back for a busy service (for operators; English, as all of them)."""
    return f"Held back: {service} answered 429 or 503; not asked again before {until:%Y-%m-%d %H:%M:%S} UTC."


def urgent_first() -> Case:
    """An ordering that puts deliveries of urgent categories (someone struggling, a visit concern) first."""
    from carecircle.notifications.categories import CATEGORIES

    urgent = [category.key for category in CATEGORIES if category.urgent]
    return Case(When(category__in=urgent, then=Value(0)), default=Value(1), output_field=IntegerField())


def service_busy_clear(*, service: str, now: datetime.datetime) -> list[int]:
    """A send to the service worked: end its hold and release what was held for it; the ids, urgent first.

    The caller sends them at once (deliveries_send) rather than leaving them for the next sweep.
    The row goes first: a worker holding a delivery afterwards finds no hold and sends it instead
    (`hold_still_on_locked`), so nothing is held after the release for a hold that has ended.
    """
    BusyService.objects.filter(service=service).delete()
    deliveries_held_for(service=service, now=now).update(not_before=now)
    released = Delivery.objects.filter(status=DeliveryStatus.QUEUED, held_by=service, not_before__lte=now)
    return list(released.order_by(urgent_first(), "id").values_list("pk", flat=True))


@dataclass(frozen=True)
class HeldCount:
    """How many deliveries wait for a hold on one service, how many of them urgent, and the latest they wait until."""

    service: str
    held: int
    urgent: int
    until: datetime.datetime


def deliveries_held_counts(*, now: datetime.datetime) -> dict[str, HeldCount]:
    """For each service, the deliveries still waiting for its hold to end; one aggregate over the partial index."""
    from carecircle.notifications.categories import CATEGORIES

    urgent = [category.key for category in CATEGORIES if category.urgent]
    rows = (
        Delivery.objects.filter(status=DeliveryStatus.QUEUED, held_by__isnull=False, not_before__gt=now)
        .values("held_by")
        .annotate(held=Count("pk"), urgent=Count("pk", filter=Q(category__in=urgent)), until=Max("not_before"))
        .order_by("held_by")
    )
    counts = (
        HeldCount(service=str(row["held_by"]), held=row["held"], urgent=row["urgent"], until=row["until"])
        for row in rows
    )
    return {count.service: count for count in counts}


def hold_still_on_locked(*, service: str, now: datetime.datetime) -> bool:
    """Whether the shared hold on `service` is still on, its row locked until the caller's transaction ends.

    Call it inside the transaction that holds a delivery back (or sends it another way), before that
    UPDATE. A worker ending the hold deletes this row first (`service_busy_clear`), so on PostgreSQL
    its DELETE waits for that transaction to commit and its release then finds the held delivery; a
    worker coming after the DELETE finds no hold and sends the row. Without the lock, a condition
    read inside the UPDATE alone sees the hold from the statement's snapshot while the release that
    runs before its commit misses the row, left queued for up to an hour (test_busy_races).
    SQLite has one writer at a time, so the order is the same there.
    """
    held = BusyService.objects.select_for_update().filter(service=service, until__gt=now)
    return bool(held.values_list("pk", flat=True)[:1])


def hold_ends_next(*, now: datetime.datetime) -> datetime.datetime | None:
    """When the earliest hold still on ends, or None; the sweep is booked for then if it is sooner."""
    return BusyService.objects.filter(until__gt=now).order_by("until").values_list("until", flat=True).first()


def deliveries_held_for(*, service: str, now: datetime.datetime) -> QuerySet[Delivery]:
    """The deliveries still waiting for a hold on `service` to end, through the partial index on `held_by`."""
    return Delivery.objects.filter(status=DeliveryStatus.QUEUED, held_by=service, not_before__gt=now)


def busy_services_expire(*, now: datetime.datetime) -> int:
    """Remove the holds that have run out, in one DELETE; returns how many.

    Safe beside a worker recording a new hold: the condition is part of the DELETE itself, so on
    PostgreSQL a row another worker has just extended is checked again after its lock and kept,
    and a row deleted first is inserted again by `service_busy_record`.
    """
    # Nothing refers to BusyService and no signal listens to it, so Django deletes with the
    # condition in one statement rather than reading the rows first (test_busy_services checks).
    deleted, _ = BusyService.objects.filter(until__lte=now).delete()
    return deleted


@dataclass
class ServiceHolds:
    """What one worker run knows of busy services: the shared rows, read again for each chunk, and its own answers."""

    until: dict[str, datetime.datetime] = field(default_factory=dict)
    # Services that answered 429 or 503 in this run: nothing more goes to them in it, urgent news included.
    answered_busy: set[str] = field(default_factory=set)
    # Services an urgent delivery already tried in this run despite their hold.
    tried_urgent: set[str] = field(default_factory=set)
    # Deliveries released by a send that worked in this run, urgent first, and what replaced urgent news
    # sent another way (instead.py): the run sends them next.
    released: list[int] = field(default_factory=list)

    def refresh(self) -> None:
        # Every row, the few whose hold is over but not yet removed by the sweep too: harmless.
        for service, until in BusyService.objects.values_list("service", "until"):
            self.until[service] = max(until, self.until.get(service, until))

    def holding(self, service: str, *, now: datetime.datetime, urgent_first_attempt: bool) -> datetime.datetime | None:
        """Until when a delivery to `service` must wait; None when it may go now.

        Decision: urgent news (someone struggling, a visit concern) on its first attempt, never
        held before, may try a service another run found busy, one such delivery per service and
        run; if it is still busy, or the delivery is held, it waits like the rest from then on.
        """
        until = self.until.get(service)
        if until is None or until <= now:
            return None
        if urgent_first_attempt and service not in self.answered_busy and service not in self.tried_urgent:
            self.tried_urgent.add(service)
            return None
        return until

    def answered(self, service: str, *, busy: Busy, now: datetime.datetime) -> None:
        """The service answered 429 or 503: hold it back for every worker."""
        until = now + hold_for(service=service, busy=busy, now=now)
        self.answered_busy.add(service)
        self.until[service] = max(until, self.until.get(service, until))
        service_busy_record(service=service, status=busy.status, until=until, now=now)

    def succeeded(self, service: str, *, now: datetime.datetime) -> None:
        """A send to the service worked: if it was held back, the hold ends for everyone, and what it held goes next."""
        if self.until.pop(service, None) is not None:
            self.answered_busy.discard(service)
            self.released.extend(service_busy_clear(service=service, now=now))

    def ended(self, service: str) -> None:
        """Another worker ended the hold (a send worked there): stop holding back for it in this run."""
        self.until.pop(service, None)

    def take_released(self) -> list[int]:
        taken, self.released = self.released, []
        return taken

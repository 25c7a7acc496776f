"""Benchmark: an organisation with many referrals, in process.

Builds a throwaway SQLite database (or BENCH_DATABASE_URL) with one organisation holding
BENCH_REFERRALS referrals (default 50,000, as BUDGETS.md's organisation) spread over a year and
every state, then times (wall and this process's CPU) with Django's test client the referral
list (first page, a deep page, searches, a filter), the board, the organisation's home, its report
and a commissioner's report (page and CSV), and both reports API calls, against /ping in the same run, and counts
each page's queries.
BENCH_VOLUNTEERS volunteers (default 20) get the referrals that are assigned, active or closed,
each with its history entries (assigned, first contact, a note) and a follow-up done, for the
report's volunteer activity; a database from before they existed gets them on the next run.
Local support, as in the reports' "Local support offered" tables: BENCH_SERVICES directory services
(default 200, two needs each), and about two thirds of the referrals past triage sent to one or two
of them a few days after they came in (some marked used or not used, a week or more later); and
BENCH_OFFERS circles linked to the organisation (default 500, through invite codes) whose helper
was offered support privately, spread over the year and in every answer. A database from before
they existed gets them on the next run.
Referrals, history entries and follow-ups are bulk-inserted, so the per-month report figures (the
referrals' and the staff's) are then recounted once with `referral_figures_rebuild` (timed and
printed), as after any bulk load; a database from before the staff's figures gets them from
migration 0019. BENCH_DIR keeps the SQLite
database in that folder and reuses it on the next run (the build takes minutes on a busy machine).
Prints the figures; not a test.

    DEBUG=false .venv/bin/python bench/referrals.py
    BENCH_REFERRALS=5000 DEBUG=false .venv/bin/python bench/referrals.py
    BENCH_DIR=/tmp/referral-bench DEBUG=false .venv/bin/python bench/referrals.py
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from records import setup
from run import say

if TYPE_CHECKING:
    # Imported where used at run time: Django is set up first.
    from carecircle.accounts.models import User
    from carecircle.orgs.models import Organisation

REFERRALS = int(os.environ.get("BENCH_REFERRALS", "50000"))
VOLUNTEERS = int(os.environ.get("BENCH_VOLUNTEERS", "20"))
SERVICES = int(os.environ.get("BENCH_SERVICES", "200"))
OFFERS = int(os.environ.get("BENCH_OFFERS", "500"))
REPEATS = 7


def build() -> tuple[int, object, object]:
    from django.utils import timezone

    from carecircle.accounts.models import User as Users
    from carecircle.orgs.models import Organisation

    existing = Organisation.objects.filter(name="Bench Helpers").first()
    if existing is not None:
        say("Reusing the referrals already in BENCH_DIR's database")
        coordinator = Users.objects.get(email="coordinator@example.org")
        if add_volunteer_activity(existing, coordinator):
            recount(existing.pk)
        add_local_support(existing, coordinator)
        return existing.pk, coordinator, Users.objects.get(email="commissioner@example.org")

    from carecircle.accounts.models import User
    from carecircle.orgs.models import Need, Outcome, Referral, ReferralStatus
    from carecircle.orgs.referral_services import duplicate_key
    from carecircle.orgs.services import commissioner_add, organisation_create, organisation_staff_add

    organisation = organisation_create(actor=None, name="Bench Helpers", area="Benchshire")
    coordinator = User.objects.create_user(email="coordinator@example.org", password=None, display_name="Coordinator")
    commissioner = User.objects.create_user(
        email="commissioner@example.org", password=None, display_name="Commissioner"
    )
    organisation_staff_add(actor=None, organisation=organisation, user=coordinator)
    commissioner_add(actor=None, user=commissioner, area="Benchshire")
    chooser = random.Random(5)
    now = timezone.now()
    states = ReferralStatus.values
    batch = []
    for number in range(REFERRALS):
        created = now - datetime.timedelta(minutes=chooser.randint(0, 365 * 24 * 60))
        status = chooser.choice(states)
        dob = datetime.date(1930 + number % 30, 1 + number % 12, 1 + number % 28)
        name = f"Person {number % 20000}"
        batch.append(
            Referral(
                organisation=organisation,
                status=status,
                person_name=name,
                person_date_of_birth=dob,
                person_postcode="LL11 1AA",
                needs=sorted(chooser.sample(Need.values, k=2)),
                consent_given_by="person",
                consent_given_at=created,
                consent_to="Contact",
                created_at=created,
                updated_at=created,
                first_contact_at=created + datetime.timedelta(days=2) if status not in {"new", "triaged"} else None,
                closed_at=created + datetime.timedelta(days=30) if status == "closed" else None,
                outcome=Outcome.SUPPORTED if status == "closed" else "",
                duplicate_key=duplicate_key(name, dob, "LL11 1AA"),
            )
        )
        if len(batch) == 2000:
            Referral.objects.bulk_create(batch)
            batch = []
    Referral.objects.bulk_create(batch)
    add_volunteer_activity(organisation, coordinator)
    recount(organisation.pk)
    add_local_support(organisation, coordinator)
    return organisation.pk, coordinator, commissioner


def recount(organisation_id: int) -> None:
    """Count the bulk-inserted rows into the report's per-month figures, as after any bulk load."""
    from carecircle.orgs.figures import referral_figures_rebuild

    started = time.perf_counter()
    rows = referral_figures_rebuild(organisation_ids=[organisation_id])
    say(f"Counted the report figures, the staff's too ({rows:,} rows) in {time.perf_counter() - started:.1f} s")


def add_volunteer_activity(organisation: Organisation, coordinator: User) -> bool:
    """Volunteers for the assigned, active and closed referrals, with their history and a follow-up done each."""
    from carecircle.accounts.models import User
    from carecircle.orgs.models import FollowUp, OrganisationStaff, Referral, ReferralEvent, StaffRole
    from carecircle.orgs.services import organisation_staff_add

    if OrganisationStaff.objects.filter(organisation=organisation, role=StaffRole.VOLUNTEER).exists():
        return False
    started = time.perf_counter()
    team = []
    for number in range(VOLUNTEERS):
        user = User.objects.create_user(
            email=f"volunteer{number}@example.org", password=None, display_name=f"Volunteer {number}"
        )
        organisation_staff_add(actor=None, organisation=organisation, user=user, role=StaffRole.VOLUNTEER)
        team.append(user)
    referrals = list(
        Referral.objects.filter(organisation=organisation, status__in=["assigned", "active", "closed"]).values_list(
            "pk", "created_at"
        )
    )
    events, follow_ups = [], []
    for index, (pk, created) in enumerate(referrals):
        volunteer = team[index % len(team)]
        Referral.objects.filter(pk=pk).update(assigned_to=volunteer)
        day = datetime.timedelta(days=1)
        events += [
            ReferralEvent(
                referral_id=pk, actor=coordinator, kind="assigned", assignee=volunteer, created_at=created + day
            ),
            ReferralEvent(referral_id=pk, actor=volunteer, kind="contact", created_at=created + 2 * day),
            ReferralEvent(
                referral_id=pk, actor=volunteer, kind="note", text="Called round.", created_at=created + 3 * day
            ),
        ]
        follow_ups.append(
            FollowUp(
                referral_id=pk,
                text="Ring back",
                due_on=(created + 7 * day).date(),
                assigned_to=volunteer,
                created_by=volunteer,
                created_at=created + 3 * day,
                done_at=created + 6 * day,
                done_by=volunteer,
            )
        )
    ReferralEvent.objects.bulk_create(events, batch_size=2000)
    FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
    say(
        f"Gave {len(referrals):,} referrals to {len(team)} volunteers ({len(events):,} history entries, "
        f"{len(follow_ups):,} follow-ups) in {time.perf_counter() - started:.1f} s"
    )
    return True


def add_local_support(organisation: Organisation, coordinator: User) -> None:
    """Directory services, referrals sent to them, and private offers in circles linked to the organisation."""
    from django.utils import timezone

    from carecircle.orgs.models import DirectoryService, Need, Referral, ReferralStatus, Signposting

    if DirectoryService.objects.filter(external_id__startswith="bench-").exists():
        return
    started = time.perf_counter()
    chooser = random.Random(11)
    now = timezone.now()
    services = DirectoryService.objects.bulk_create(
        DirectoryService(
            external_id=f"bench-{number}",
            name=f"Service {number}",
            needs=" " + " ".join(sorted(chooser.sample(Need.values, k=2))) + " ",
            districts=" LL11 ",
            active=number % 20 != 0,  # one in twenty since dropped from the directory
        )
        for number in range(SERVICES)
    )
    past_triage = list(
        Referral.objects.filter(organisation=organisation)
        .exclude(status__in=[ReferralStatus.NEW, ReferralStatus.TRIAGED])
        .values_list("pk", "created_at")
    )
    sent = []
    for pk, created in past_triage:
        if chooser.random() < 0.35:
            continue
        for service in chooser.sample(services, k=chooser.choice([1, 1, 2])):
            made = min(created + datetime.timedelta(days=chooser.randint(1, 20)), now)
            sent.append(
                Signposting(
                    referral_id=pk,
                    service=None if not service.active and chooser.random() < 0.5 else service,
                    service_name=service.name,
                    for_carer=chooser.random() < 0.2,
                    actor=coordinator,
                    created_at=made,
                )
            )
    Signposting.objects.bulk_create(sent, batch_size=2000)
    from carecircle.orgs.figures import signposting_figures_rebuild

    signposting_figures_rebuild(organisation_ids=[organisation.pk])  # bulk-inserted: count them, as recount() does
    offers = add_private_offers(organisation, chooser, now)
    say(
        f"Sent {len(past_triage):,} referrals' people to {len(sent):,} services ({SERVICES} in the directory) "
        f"and offered support privately in {offers} linked circles in {time.perf_counter() - started:.1f} s"
    )


def add_private_offers(organisation: Organisation, chooser: random.Random, now: datetime.datetime) -> int:
    """Circles started with the organisation's invite code, each with one helper offered support privately."""
    from carecircle.accounts.models import User
    from carecircle.circles.models import Circle
    from carecircle.orgs.models import SupportOffer
    from carecircle.orgs.reach_models import OrganisationCircle

    helpers = User.objects.bulk_create(
        User(email=f"helper{number}@example.org", display_name=f"Helper {number}") for number in range(OFFERS)
    )
    circles = Circle.objects.bulk_create(Circle(person_name=f"Person {number}") for number in range(OFFERS))
    OrganisationCircle.objects.bulk_create(
        OrganisationCircle(organisation=organisation, circle=circle, consent_given_by="person", consent_to="Counting")
        for circle in circles
    )
    offers = []
    for helper, circle in zip(helpers, circles, strict=True):
        made = now - datetime.timedelta(minutes=chooser.randint(0, 365 * 24 * 60))
        answer = chooser.choice(["showing", "later", "dismissed", "ended"])
        offers.append(
            SupportOffer(
                user=helper,
                circle=circle,
                district="LL11",
                due=answer in {"showing", "later"},
                weeks_over=4,
                checked_on=made.date(),
                created_at=made,
                later_until=(now + datetime.timedelta(days=7)).date() if answer == "later" else None,
                dismissed_at=made + datetime.timedelta(days=3) if answer == "dismissed" else None,
            )
        )
    SupportOffer.objects.bulk_create(offers)
    return len(offers)


def measure(client: object, url: str) -> tuple[float, float, int]:
    """Median wall time and median CPU time of this process (ms), and the queries of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # type: ignore[attr-defined]
    times, cpu_times = [], []
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)  # type: ignore[attr-defined]
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, statistics.median(cpu_times) * 1000, len(queries)


def main() -> None:
    kept = os.environ.get("BENCH_DIR")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        directory = kept or scratch
        setup(Path(directory))
        from django.test import Client

        started = time.perf_counter()
        organisation_id, coordinator, commissioner = build()
        say(f"Built {REFERRALS:,} referrals in {time.perf_counter() - started:.1f} s")
        staff = Client()
        staff.force_login(coordinator)  # type: ignore[arg-type]
        council = Client()
        council.force_login(commissioner)  # type: ignore[arg-type]
        base = f"/organisations/{organisation_id}"
        year_ago = datetime.date.today() - datetime.timedelta(days=330)
        three_years_ago = datetime.date.today().replace(day=1) - datetime.timedelta(days=35 * 30)
        from carecircle.orgs.models import Referral
        from carecircle.orgs.referral_selectors import referral_cursor

        deep = Referral.objects.filter(organisation_id=organisation_id).order_by("-created_at", "-id")[1000]
        pages = [
            ("/ping (baseline)", staff, "/ping"),
            ("referral list, first page", staff, f"{base}/referrals/"),
            ("referral list, 21st page (keyset)", staff, f"{base}/referrals/?after={referral_cursor(deep)}"),
            ("referral list, search by name", staff, f"{base}/referrals/?q=Person+123"),
            ("search, one person", staff, f"{base}/referrals/?q=Person+19999"),
            ("search, a wide start", staff, f"{base}/referrals/?q=Person+1"),
            ("search, mid-name (anywhere)", staff, f"{base}/referrals/?q=erson+19999"),
            ("referral list, need + overdue", staff, f"{base}/referrals/?need=money&overdue=1"),
            ("board", staff, f"{base}/referrals/board"),
            ("organisation home", staff, f"{base}/"),
            ("organisation report, 6 months", staff, f"{base}/reports/"),
            ("organisation report, 12 months", staff, f"{base}/reports/?from={year_ago:%Y-%m}"),
            ("organisation report, 36 months", staff, f"{base}/reports/?from={three_years_ago:%Y-%m}"),
            ("organisation report CSV, 12 months", staff, f"{base}/reports/?from={year_ago:%Y-%m}&format=csv"),
            ("commissioner report, 6 months", council, "/commissioning/"),
            ("commissioner report, 12 months", council, f"/commissioning/?from={year_ago:%Y-%m}"),
            ("commissioner report CSV, 12 months", council, f"/commissioning/?from={year_ago:%Y-%m}&format=csv"),
            ("reports API, organisation, 12 months", staff, f"/api/v1{base}/report?from={year_ago:%Y-%m}"),
            ("reports API, commissioner, 12 months", council, f"/api/v1/commissioning/report?from={year_ago:%Y-%m}"),
        ]
        say(f"{'page':<38} {'median ms':>10} {'cpu ms':>8} {'queries':>8}")
        for label, client, url in pages:
            median, cpu, queries = measure(client, url)
            say(f"{label:<38} {median:>10.1f} {cpu:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()

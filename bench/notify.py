"""Benchmark: notify() fan-out to a 60-member circle, building digests for many members, and sending them.

In process, on a throwaway SQLite database (or BENCH_DATABASE_URL), with a real SMTP sink
(aiosmtpd) on 127.0.0.1. Three measurements, each against a same-run baseline:

1. notify(): one news update in a 60-member circle with mixed preferences (some by text, some in
   digest mode, some with email off), inside a transaction as the callers do: queries and time
   per call. Baseline: bulk-inserting the same number of notification and delivery rows, already
   made, in one transaction (the least the database must do).
2. digests_send(): BENCH_DIGEST_MEMBERS members in digest mode (circles of 50), each with
   BENCH_DIGEST_ITEMS held notifications: queries and time for all, per member. Baseline: bulk-
   inserting as many ready-made delivery rows.
3. Sending: the worker's `deliver_many` over the queued digests (claim, send, record; one SMTP
   connection for the batch), against Django's SMTP backend sending the same messages straight to
   the same sink with no rows, with a connection per message and with one for all.

4. message_post: posting in the family conversation of circles of BENCH_POST_SIZES members
   (5, 60, 200), everyone emailed through the chat batch: queries and time per post, and the time
   (wall and CPU) from the call until its `message.posted` live event is published. Then the same
   post through the API as a WSGI server serves it: the time and CPU until the answer is made,
   and the CPU and queries of the whole POST including what runs after it (the response's close()).

Prints the figures; not a test. docs/performance.md keeps them.

    DEBUG=false .venv/bin/python bench/notify.py
    BENCH_DIGEST_MEMBERS=5000 DEBUG=false .venv/bin/python bench/notify.py
    BENCH_PARTS=notify BENCH_REPEATS=100 DEBUG=false .venv/bin/python bench/notify.py   # only step 1
    BENCH_PARTS=post DEBUG=false .venv/bin/python bench/notify.py   # only message_post (5, 60, 200 members)
    PYTHONPATH=/tmp/base BENCH_PARTS=post DEBUG=false .venv/bin/python bench/notify.py   # the code in /tmp/base
    BENCH_PROFILE=30 BENCH_PARTS=post BENCH_POST_SIZES=1000 DEBUG=false .venv/bin/python bench/notify.py
        # the worker's share split: cProfile (process CPU) of every FanOut expansion after the first
        # post's, the 30 costliest functions by own time and by cumulative time
"""

from __future__ import annotations

import datetime
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from run import free_port, say

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 60
REPEATS = int(os.environ.get("BENCH_REPEATS", "30"))
DIGEST_MEMBERS = int(os.environ.get("BENCH_DIGEST_MEMBERS", "1000"))
DIGEST_ITEMS = int(os.environ.get("BENCH_DIGEST_ITEMS", "5"))
SEND = int(os.environ.get("BENCH_SEND", "300"))
PARTS = set(os.environ.get("BENCH_PARTS", "notify,post,digests,send").split(","))
POST_SIZES = [int(size) for size in os.environ.get("BENCH_POST_SIZES", "5,60,200").split(",")]
# With BENCH_PROFILE=N (N > 0): the worker's share (each FanOut expanded) runs under cProfile, and
# the N costliest functions are printed per post size. Its figures are slower than without it.
PROFILE = int(os.environ.get("BENCH_PROFILE", "0") or "0")


class Sink:
    """Counts what arrives; aiosmtpd speaks real SMTP on 127.0.0.1."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def setup(var_dir: Path, smtp_port: int) -> None:
    os.environ.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "testserver",
            "CARECIRCLE_VAR_DIR": str(var_dir),
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{var_dir / 'bench.sqlite3'}"),
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "LOG_LEVEL": "ERROR",
            "DJANGO_SETTINGS_MODULE": "carecircle.settings",
        }
    )
    # After PYTHONPATH: a baseline checkout given there (PYTHONPATH=/tmp/base) is the code measured.
    sys.path.append(str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Sending is measured on its own (step 3): queueing must not send on commit.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    call_command("migrate", verbosity=0)


def timed(run: Callable[[], object], repeats: int) -> tuple[list[float], int]:
    """Milliseconds of each run, and the queries of the last."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            start, cpu = time.perf_counter(), time.process_time()
            run()
            times.append((time.perf_counter() - start) * 1000)
            CPU.append((time.process_time() - cpu) * 1000)
        queries = len(captured.captured_queries)
    return times, queries


# The process's CPU milliseconds of each run timed (the bench's own process: on a loaded machine the
# wall-clock time includes waiting for a core; CPU time does not).
CPU: list[float] = []


def p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def build_circle(name: str, size: int, *, mixed: bool) -> tuple[Any, list[Any]]:
    from carecircle.accounts.models import User
    from carecircle.circles.models import Membership, Role
    from carecircle.circles.services import circle_create
    from carecircle.notifications.models import Digest, NotificationPreference, NotificationSettings

    organiser = User.objects.create_user(email=f"{name}-organiser@bench.invalid", password=None, display_name="Olivia")
    circle = circle_create(actor=organiser, person_name=f"Dad {name}", relationship="daughter")
    roles = [Role.HELPER, Role.HELPER, Role.PAID_CARER, Role.WELL_WISHER, Role.PROFESSIONAL]
    users = User.objects.bulk_create(
        User(
            email=f"{name}-member{number}@bench.invalid",
            display_name=f"Member {number}",
            phone=f"+4477009{number:05d}" if mixed and number % 4 == 0 else "",
            time_zone="Europe/London" if number % 2 else "America/New_York",
        )
        for number in range(size - 1)
    )
    users = list(User.objects.filter(email__startswith=f"{name}-member"))
    Membership.objects.bulk_create(
        Membership(circle=circle, user=user, role=roles[number % len(roles)]) for number, user in enumerate(users)
    )
    if mixed:
        # A third in daily digest mode, a fifth with news emails off, a quarter texted (a saved mobile).
        NotificationSettings.objects.bulk_create(
            NotificationSettings(user=user, digest=Digest.DAILY) for user in users[::3]
        )
        NotificationPreference.objects.bulk_create(
            NotificationPreference(user=user, category="news", channel="email", enabled=False) for user in users[1::5]
        )
        NotificationPreference.objects.bulk_create(
            NotificationPreference(user=user, category="news", channel="sms", enabled=True) for user in users[::4]
        )
    return circle, [organiser, *users]


def bench_notify() -> None:
    from django.db import transaction

    from carecircle.notifications.models import Delivery, Notification
    from carecircle.notifications.notify import notify

    circle, users = build_circle("fanout", MEMBERS, mixed=True)
    counter = iter(range(10**6))

    def one() -> None:
        with transaction.atomic():
            notify(
                category="news",
                circle=circle,
                key=f"bench-news-{next(counter)}",
                title="Dad is home from hospital",
                body="He's tired but glad to be home.",
                url="/",
                actor=users[0],
            )

    one()
    notifications = Notification.objects.count()
    deliveries = Delivery.objects.count()
    times, queries = timed(one, REPEATS)
    made_notifications = list(Notification.objects.filter(key__startswith="bench-news-0-"))
    made_deliveries = list(Delivery.objects.filter(idempotency_key__startswith="bench-news-0-"))
    raw_counter = iter(range(10**6))

    def raw() -> None:
        number = next(raw_counter)
        for row in made_notifications:
            row.pk, row.key = None, f"raw-{number}-{row.recipient_id}"
        for delivery in made_deliveries:
            delivery.pk, delivery.idempotency_key = None, f"raw-{number}-{delivery.channel}-{delivery.recipient_id}"
        with transaction.atomic():
            Notification.objects.bulk_create(made_notifications)
            Delivery.objects.bulk_create(made_deliveries)

    raw_times, raw_queries = timed(raw, REPEATS)
    say(
        f"notify() to a {MEMBERS}-member circle (mixed preferences): {notifications} in-app notifications and "
        f"{deliveries} deliveries per call"
    )
    say(
        f"  notify():  {queries} queries, p50 {statistics.median(times):.1f} ms, p99 {p(times, 0.99):.1f} ms "
        f"({REPEATS} calls)"
    )
    say(
        f"  baseline (bulk insert of the same rows, ready-made): {raw_queries} queries, "
        f"p50 {statistics.median(raw_times):.1f} ms, p99 {p(raw_times, 0.99):.1f} ms"
    )


def bench_message_post(size: int, *, report: bool = True) -> None:
    """message_post in the family conversation of a `size`-member circle, in process: queries and time.

    Members read English, Welsh or Polish in two time zones, all emailed about messages (the chat
    batch). The first post queues one batched email per member; each later one adds its line to
    those waiting emails, as in a busy conversation.
    """
    from carecircle.accounts.models import User
    from carecircle.circles.models import Membership, Role
    from carecircle.circles.services import circle_create
    from carecircle.conversations.selectors import access_conversation
    from carecircle.conversations.services import family_conversation, message_post

    name = f"post{size}"
    organiser = User.objects.create_user(email=f"{name}-organiser@bench.invalid", password=None, display_name="Olivia")
    circle = circle_create(actor=organiser, person_name=f"Dad {name}", relationship="daughter")
    languages = ["en", "cy", "pl"]
    User.objects.bulk_create(
        User(
            email=f"{name}-member{number}@bench.invalid",
            display_name=f"Member {number}",
            language=languages[number % 3],
            time_zone="Europe/London" if number % 2 else "America/New_York",
        )
        for number in range(size - 1)
    )
    members = User.objects.filter(email__startswith=f"{name}-member")
    Membership.objects.bulk_create(Membership(circle=circle, user=user, role=Role.HELPER) for user in members)
    where = access_conversation(
        user=organiser, circle_id=circle.pk, conversation_id=family_conversation(circle=circle).pk
    )
    counter = iter(range(10**6))
    # Until the live event: from the call to the publish of its message.posted (after the commit).
    started: list[float] = [0.0, 0.0]
    until_live: list[tuple[float, float]] = []
    from carecircle.realtime import events

    publish = events.publish

    def published(group: str, message: dict[str, Any]) -> None:
        if message.get("type") == "message.posted":
            until_live.append(((time.perf_counter() - started[0]) * 1000, (time.process_time() - started[1]) * 1000))
        publish(group, message)

    events.publish = published

    def one() -> None:
        started[:] = [time.perf_counter(), time.process_time()]
        message_post(actor=organiser, where=where, body=f"Message {next(counter)}: the carer comes at ten today.")

    worker_cpu: list[float] = []
    profiler = None
    if PROFILE and report:
        import cProfile

        # CPU time, not wall time: waiting for the database is not the worker's CPU.
        profiler = cProfile.Profile(time.process_time)

    def expand() -> None:
        """The worker's share: each member's rows from the FanOut row (big circles; none before it existed)."""
        try:
            from carecircle.notifications.fan_out import fan_out_expand
            from carecircle.notifications.models import FanOut
        except ImportError:
            return
        for fan_out_id in FanOut.objects.values_list("pk", flat=True):
            cpu = time.process_time()
            # The first post's expansion (every member's first email) is left out of the profile.
            if profiler is not None and worker_cpu:
                profiler.runcall(fan_out_expand, fan_out_id)
            else:
                fan_out_expand(fan_out_id)
            worker_cpu.append((time.process_time() - cpu) * 1000)

    CPU.clear()
    first, first_queries = timed(one, 1)
    first_cpu = CPU[0]
    expand()
    CPU.clear()
    until_live.clear()
    times: list[float] = []
    queries = 0
    for _ in range(REPEATS if report else 1):
        took, queries = timed(one, 1)
        times.extend(took)
        expand()
    events.publish = publish
    served = served_posts(organiser, circle.pk, where.conversation.pk, REPEATS if report else 1, expand)
    if profiler is not None:
        print_profile(profiler, size, len(worker_cpu) - 1)
    if not report:
        return
    say(f"message_post in a {size}-member circle (chat batch, en/cy/pl readers):")
    say(f"  first post (queues {size - 1} emails): {first_queries} queries, {first[0]:.1f} ms (CPU {first_cpu:.1f} ms)")
    say(
        f"  later posts (add a line to each waiting email): {queries} queries, p50 {statistics.median(times):.1f} ms, "
        f"p99 {p(times, 0.99):.1f} ms (CPU p50 {statistics.median(CPU):.1f} ms) ({REPEATS} posts)"
    )
    if until_live:
        say(
            f"  until its live event was published (after the commit): p50 "
            f"{statistics.median(wall for wall, _cpu in until_live):.1f} ms "
            f"(CPU p50 {statistics.median(cpu for _wall, cpu in until_live):.1f} ms)"
        )
    if worker_cpu:
        say(
            f"  the worker's share (each FanOut expanded, the first post's too): "
            f"CPU p50 {statistics.median(worker_cpu):.1f} ms, max {max(worker_cpu):.1f} ms per post"
        )
    say(
        f"  served (the API's POST through Django's WSGI handler): answer p50 "
        f"{statistics.median(served['answer']):.1f} ms (CPU p50 {statistics.median(served['answer_cpu']):.1f} ms, "
        f"{served['answer_queries']} queries); the whole POST, close() included: CPU p50 "
        f"{statistics.median(served['whole_cpu']):.1f} ms, {served['whole_queries']} queries"
    )


def print_profile(profiler: Any, size: int, expansions: int) -> None:
    """The worker's share by function: own time and cumulative time, per expansion profiled."""
    import io
    import pstats

    if os.environ.get("BENCH_PROFILE_DUMP"):
        profiler.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(PROFILE)
        say(f"the worker's share in a {size}-member circle, {expansions} expansions profiled, by {order}:")
        say(out.getvalue().rstrip("\n"))


def served_posts(
    organiser: Any, circle_id: int, conversation_id: int, repeats: int, expand: Callable[[], None]
) -> dict[str, Any]:
    """The API's POST as a WSGI server runs it: the answer (handler called, body read), then close().

    close() is where a WSGI server's thread does what Django leaves for after the response.
    """
    import json

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from carecircle.accounts.services import api_token_create

    _token, secret = api_token_create(actor=organiser, name="bench")
    handler = WSGIHandler()

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        return lambda data: None

    # The connection stays open across requests, as the pool keeps it when served.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    found: dict[str, Any] = {"answer": [], "answer_cpu": [], "whole_cpu": []}
    try:
        for number in range(repeats):
            environ = (
                RequestFactory()
                .post(
                    f"/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages",
                    data=json.dumps({"body": f"Served {number}: the carer comes at ten today."}),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {secret}",
                )
                .environ
            )
            with CaptureQueriesContext(connection) as captured:
                start, cpu = time.perf_counter(), time.process_time()
                response = handler(environ, start_response)
                b"".join(response)
                found["answer"].append((time.perf_counter() - start) * 1000)
                found["answer_cpu"].append((time.process_time() - cpu) * 1000)
                found["answer_queries"] = len(captured.captured_queries)
                response.close()
                found["whole_cpu"].append((time.process_time() - cpu) * 1000)
            found["whole_queries"] = len(captured.captured_queries)
            expand()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return found


def bench_digests() -> list[int]:
    from django.db import transaction
    from django.utils import timezone

    from carecircle.notifications.digest import digests_send
    from carecircle.notifications.models import Delivery, Digest, Notification, NotificationSettings

    circles = max(1, DIGEST_MEMBERS // 50)
    everyone: list[Any] = []
    for number in range(circles):
        circle, users = build_circle(f"digest{number}", 51, mixed=False)
        members = users[1:]
        everyone.extend(members)
        yesterday = timezone.now() - datetime.timedelta(hours=20)
        Notification.objects.bulk_create(
            Notification(
                recipient=user,
                circle=circle,
                category="news" if item % 2 else "help_needed",
                title=f"Something happened ({item})",
                body="A short excerpt of what it was.",
                url="/",
                key=f"held-{user.pk}-{item}",
                capability="updates.read" if item % 2 else "tasks.view",
                held_for_digest=True,
                created_at=yesterday + datetime.timedelta(minutes=item),
            )
            for user in members
            for item in range(DIGEST_ITEMS)
        )
    NotificationSettings.objects.bulk_create(NotificationSettings(user=user, digest=Digest.DAILY) for user in everyone)
    # Every member's 08:00 has come: a moment late in the day on both clocks.
    later = timezone.now().replace(hour=23, minute=0) + datetime.timedelta(days=1)
    before = set(Delivery.objects.values_list("pk", flat=True))
    times, queries = timed(lambda: digests_send(now=later), 1)
    made = list(Delivery.objects.filter(category="digest").exclude(pk__in=before))
    count = len(made)
    rows = [
        Delivery(
            channel=row.channel,
            to=row.to,
            subject=row.subject,
            body=row.body,
            html_body=row.html_body,
            idempotency_key=f"raw-{row.idempotency_key}",
            recipient_id=row.recipient_id,
            category=row.category,
            headers=row.headers,
        )
        for row in made
    ]

    def raw() -> None:
        with transaction.atomic():
            Delivery.objects.bulk_create(rows, batch_size=200)

    raw_times, raw_queries = timed(raw, 1)
    say(
        f"digests_send() for {len(everyone)} members in daily digest mode ({circles} circles of 50, "
        f"{DIGEST_ITEMS} held notifications each): {count} digests queued"
    )
    say(f"  digests_send(): {queries} queries, {times[0]:.0f} ms in all, {times[0] / max(1, count):.2f} ms a member")
    say(
        f"  baseline (bulk insert of the same delivery rows, ready-made): {raw_queries} queries, "
        f"{raw_times[0]:.0f} ms, {raw_times[0] / max(1, count):.2f} ms a member"
    )
    Delivery.objects.filter(idempotency_key__startswith="raw-").delete()
    return [row.pk for row in made]


def bench_sending(ids: list[int], sink: Sink) -> None:
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives, mailers

    from carecircle.notifications.models import Delivery
    from carecircle.notifications.tasks import deliver_many

    chosen = ids[:SEND]
    messages = list(Delivery.objects.filter(pk__in=chosen))
    start = time.perf_counter()
    outcomes = deliver_many.call(chosen)
    worker = time.perf_counter() - start
    received = sink.count
    start = time.perf_counter()
    for row in messages:
        message = EmailMultiAlternatives(
            subject=row.subject, body=row.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[row.to], headers=row.headers
        )
        message.attach_alternative(row.html_body, "text/html")
        message.send()
    raw = time.perf_counter() - start
    start = time.perf_counter()
    batch = []
    for row in messages:
        message = EmailMultiAlternatives(
            subject=row.subject, body=row.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[row.to], headers=row.headers
        )
        message.attach_alternative(row.html_body, "text/html")
        batch.append(message)
    connection = mailers.default
    connection.send_messages(batch)
    raw_batch = time.perf_counter() - start
    say(f"sending {len(chosen)} digests to the SMTP sink on 127.0.0.1 (the worker: one connection per batch)")
    say(f"  worker deliver_many: {outcomes}, {len(chosen) / worker:.0f} a second, sink got {received}")
    say(f"  baseline (Django's SMTP backend, no rows, one connection each): {len(messages) / raw:.0f} a second")
    say(
        f"  baseline (Django's SMTP backend, no rows, one connection for all): {len(messages) / raw_batch:.0f} a second"
    )


def settings_layer() -> str:
    from django.conf import settings

    return str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).rsplit(".", 1)[-1]


def main() -> None:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="carecircle-bench-notify-") as directory:
            setup(Path(directory), port)
            from django.db import connection

            import carecircle

            say(f"database: {connection.vendor}; code: {Path(carecircle.__file__).parent.parent}")
            say(f"channel layer: {settings_layer()}; load average: {os.getloadavg()[0]:.1f}")
            if "notify" in PARTS:
                bench_notify()
            if "post" in PARTS:
                # The first post of the process loads the URL configuration: not part of any figure.
                bench_message_post(2, report=False)
                for size in POST_SIZES:
                    bench_message_post(size)
            if {"digests", "send"} & PARTS:
                ids = bench_digests()
                if "send" in PARTS:
                    bench_sending(ids, sink)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

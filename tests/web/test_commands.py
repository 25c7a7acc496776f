"""The `carecircle` commands: demo data, the task worker, `run` for one box and `serve` for production."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from carecircle.accounts.models import User
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle, InvitationChannel, Membership, Role
from carecircle.circles.services import invitation_create
from carecircle.conversations.models import Message, MessageKind
from carecircle.notifications.models import Delivery, DeliveryStatus, OutboxMessage
from carecircle.orgs.models import Commissioner, Organisation, OrganisationStaff, Referral, ReferralStatus
from carecircle.realtime.models import CircleEvent
from carecircle.records.models import RecordEntry
from carecircle.tasks.models import Task
from carecircle.web.demo import DEMO_PASSWORD
from tests.servers import BIN, ROOT, free_port, server_environment, stop, wait_until_ready

GOOD_SECRET_KEY = "k3JmV9q2Lx8pRt5wYz1aBc4dEf7gHi0jKl6mNo9pQr2sTu"
STOP_SECONDS = 15


def counts() -> dict[str, int]:
    models = (
        User,
        Circle,
        Membership,
        AuditEntry,
        CircleEvent,
        Organisation,
        OrganisationStaff,
        Task,
        RecordEntry,
        Message,
    )
    return {model.__name__: model.objects.count() for model in models}


def demo(capsys: pytest.CaptureFixture[str]) -> str:
    call_command("demo")
    output: str = capsys.readouterr().out
    return output


def test_demo_builds_a_circle_with_someone_in_every_role(db, settings, capsys):
    settings.DEBUG = True

    output = demo(capsys)

    dad = Circle.objects.get(person_name="Dad")
    roles = dict(Membership.objects.filter(circle=dad).values_list("user__email", "role"))
    assert roles == {
        "person@demo.carecircle.test": Role.PERSON,
        "organiser@demo.carecircle.test": Role.ORGANISER,
        "helper@demo.carecircle.test": Role.HELPER,
        "paidcarer@demo.carecircle.test": Role.PAID_CARER,
        "professional@demo.carecircle.test": Role.PROFESSIONAL,
        "wellwisher@demo.carecircle.test": Role.WELL_WISHER,
    }
    other = Membership.objects.exclude(circle=dad).get(user__email="outsider@demo.carecircle.test")
    assert other.role == Role.ORGANISER
    assert not Membership.objects.filter(circle=dad, user__email="outsider@demo.carecircle.test").exists()
    assert OrganisationStaff.objects.filter(user__email="orgstaff@demo.carecircle.test").exists()
    assert Referral.objects.filter(organisation__name="Helping Hands Wrexham").count() >= 40
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert Referral.objects.get(circle=dad).person_name == "Arthur Bennett"
    assert Commissioner.objects.filter(user__email="commissioner@demo.carecircle.test", area="Wrexham").exists()
    users = User.objects.filter(email__endswith="@demo.carecircle.test")
    assert users.count() == 10
    for user in users:
        assert user.email_verified
        assert user.check_password(DEMO_PASSWORD)
        assert user.email in output
    assert output.count(DEMO_PASSWORD) == 1
    # Built through the services: audit rows and live events exist.
    assert AuditEntry.objects.filter(circle=dad, action="member.added").count() == 5
    assert CircleEvent.objects.filter(circle=dad, type="membership.added").count() == 5
    # Something to see in every area: tasks (one of them repeating), the record, conversations.
    assert Task.objects.filter(circle=dad).count() == 6
    assert Task.objects.filter(circle=dad).exclude(rule="").exists()
    assert set(RecordEntry.objects.filter(circle=dad).values_list("section", flat=True)) >= {
        "about",
        "medications",
        "allergies",
        "contacts",
        "emergency",
    }
    assert Message.objects.filter(circle=dad, kind=MessageKind.UPDATE).count() == 1


def test_demo_a_second_time_adds_nothing(db, settings, capsys):
    settings.DEBUG = True
    demo(capsys)
    before = counts()

    output = demo(capsys)

    assert counts() == before
    assert "nothing added" in output
    assert DEMO_PASSWORD in output


def test_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("demo")
    assert not User.objects.exists()


def test_worker_sends_queued_messages_then_stops_in_batch_mode(transactional_db, settings, cast):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    invitation_create(
        actor=cast.organiser,
        circle=cast.circle,
        role=Role.HELPER,
        channel=InvitationChannel.EMAIL,
        email="b@example.org",
    )
    delivery = Delivery.objects.get(to="b@example.org")
    assert delivery.status == DeliveryStatus.QUEUED

    result = subprocess.run(
        [str(BIN / "carecircle"), "worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=server_environment(),
        capture_output=True,
        text=True,
        timeout=180,  # a Django start-up on a loaded 2-core machine; it ends as soon as the queue is empty
    )

    assert result.returncode == 0, result.stderr
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert OutboxMessage.objects.filter(to="b@example.org", subject=delivery.subject).exists()


def niceness(pid: int) -> int:
    """A process's CPU niceness, from /proc/<pid>/stat (its 19th field)."""
    return int(Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[16])


@pytest.mark.parametrize(
    ("started_at", "setting", "expected"),
    [(0, "7", 7), (12, "7", 12), (0, "0", 0), (0, "40", 19)],
    ids=["raised-to-the-setting", "never-lowered", "zero-leaves-it", "capped-at-19"],
)
def test_worker_runs_at_the_configured_cpu_niceness(transactional_db, started_at, setting, expected):
    """The worker yields the cores to the app processes' live fan-out (WORKER_NICE), and never takes priority back."""
    base = os.nice(0)
    process = subprocess.Popen(
        ["nice", "-n", str(started_at), str(BIN / "carecircle"), "worker", "--no-startup-delay", "--interval", "0.2"],
        cwd=ROOT,
        env=server_environment({"WORKER_NICE": setting}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        # Its first line is logged once the start-up (and the niceness) is done; a Django start-up on
        # a loaded 2-core machine can take a while, and a worker that died ends the read at once.
        lines = []
        for line in process.stdout:
            lines.append(line)
            if b"Starting worker" in line:
                break
        assert process.poll() is None, b"".join(lines).decode()
        assert niceness(process.pid) == min(19, max(base + started_at, expected))
    finally:
        stop(process)


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_serves_with_a_worker_and_stops_both_on_a_signal(transactional_db, tmp_path, stop_signal):
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN / "carecircle"), "run", "--port", str(port)],
            cwd=ROOT,
            env=server_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    worker_pid = None
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/healthz", process, timeout=90)
        text = log.read_text()
        assert f"http://127.0.0.1:{port}/" in text
        assert "carecircle demo" in text  # No demo data in the test database: it says how to load it.
        found = re.search(r"Task worker running \(process (\d+)\)", text)
        assert found, text
        worker_pid = int(found.group(1))
        assert is_running(worker_pid)

        process.send_signal(stop_signal)

        assert process.wait(timeout=STOP_SECONDS) == 0, log.read_text()
        assert not is_running(worker_pid)
        assert "CareCircle stopped." in log.read_text()
    finally:
        stop(process)
        if worker_pid is not None and is_running(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)


def test_serve_collects_static_files_when_debug_is_off_and_stops_gracefully(transactional_db, tmp_path):
    port = free_port()
    environment = server_environment(
        {
            "DEBUG": "false",
            "SECRET_KEY": GOOD_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CARECIRCLE_VAR_DIR": str(tmp_path),
            "PORT": str(port),
        }
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN / "carecircle"), "serve"], cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/healthz", process, timeout=120)
        assert "Collecting static files" in log.read_text()
        # The process warmed (web/warm_up.py) before uvicorn began to accept connections.
        started = log.read_text()
        assert "Warmed up in" in started
        assert started.index("Warmed up in") < started.index("Uvicorn running on")
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        hashed = manifest["paths"]["web/live.js"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/{hashed}", timeout=10) as response:
            assert response.status == 200
            assert "immutable" in response.headers["Cache-Control"]

        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=STOP_SECONDS) == 0, log.read_text()
    finally:
        stop(process)


def test_run_with_a_port_points_links_at_it_unless_site_url_is_set(settings, monkeypatch):
    from carecircle.web.management.commands.run import follow_port

    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.delenv("WEBAUTHN_ORIGINS", raising=False)
    monkeypatch.setenv("PORT", "8000")
    follow_port(8611)
    assert settings.SITE_URL == "http://127.0.0.1:8611"
    assert settings.WEBAUTHN_ORIGINS == ["http://127.0.0.1:8611"]
    assert os.environ["PORT"] == "8611"  # the worker it starts sends the same links

    monkeypatch.setenv("SITE_URL", "https://care.example.org")
    settings.SITE_URL = "https://care.example.org"
    follow_port(8612)
    assert settings.SITE_URL == "https://care.example.org"


def test_serve_speaks_websocket_with_the_protocol_measured_cheapest():
    # bench/live_receive.py with BENCH_ASGI compared them (docs/performance.md); named, not "auto".
    import uvicorn

    from carecircle.web.management.commands.serve import uvicorn_config

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        raise AssertionError("not served")

    config = uvicorn.Config(app, **uvicorn_config(host="127.0.0.1", port=0))
    config.load()
    assert config.ws_protocol_class is not None
    assert config.ws_protocol_class.__name__ == "WebSocketsSansIOProtocol"
    assert config.ws_per_message_deflate is False

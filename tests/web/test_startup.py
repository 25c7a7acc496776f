"""Start-up checks: with DEBUG off, an unsafe configuration refuses to start with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import BIN, ROOT

GOOD_SECRET_KEY = "k3JmV9q2Lx8pRt5wYz1aBc4dEf7gHi0jKl6mNo9pQr2sTu"


def clean_environment(tmp_path: Path, **values: str) -> dict[str, str]:
    """Only what a fresh shell on a server would have, plus the given settings."""
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CARECIRCLE_VAR_DIR": str(tmp_path), **values}


def carecircle_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "carecircle"), "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "care.example.org"}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short", "ALLOWED_HOSTS": "care.example.org"}, "SECRET_KEY"),
        ({"SECRET_KEY": "a" * 50, "ALLOWED_HOSTS": "care.example.org"}, "SECRET_KEY"),
        ({"SECRET_KEY": "password" * 8, "ALLOWED_HOSTS": "care.example.org"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_SECRET_KEY}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_SECRET_KEY, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_an_unsafe_production_configuration_refuses_to_start_with_one_line(tmp_path, values, named):
    result = carecircle_check(clean_environment(tmp_path, DEBUG="false", **values))

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CareCircle will not start: ")
    assert named in lines[0]
    assert "Traceback" not in result.stderr


def test_the_asgi_entry_point_refuses_too(tmp_path):
    """uvicorn imports carecircle.asgi directly, without the `carecircle` command's check."""
    result = subprocess.run(
        [sys.executable, "-c", "import carecircle.asgi"],
        cwd=ROOT,
        env=clean_environment(tmp_path, DEBUG="false"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "SECRET_KEY" in result.stderr


def test_it_starts_on_a_developers_computer_with_debug_on(tmp_path):
    result = carecircle_check(clean_environment(tmp_path, DEBUG="true"))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_starts_with_a_safe_production_configuration(tmp_path):
    result = carecircle_check(
        clean_environment(tmp_path, DEBUG="false", SECRET_KEY=GOOD_SECRET_KEY, ALLOWED_HOSTS="care.example.org")
    )

    assert result.returncode == 0, result.stderr


def site_url_with(tmp_path: Path, **values: str) -> str:
    result = subprocess.run(
        [str(BIN / "carecircle"), "shell", "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env=clean_environment(tmp_path, DEBUG="true", **values),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_links_in_emails_and_texts_follow_the_port_unless_site_url_is_set(tmp_path):
    assert site_url_with(tmp_path) == "http://127.0.0.1:8000"
    assert site_url_with(tmp_path, PORT="8611") == "http://127.0.0.1:8611"
    assert site_url_with(tmp_path, PORT="8611", SITE_URL="https://care.example.org/") == "https://care.example.org"


def test_make_run_passes_its_port_to_every_step():
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", "PORT=8611"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    steps = [line for line in result.stdout.splitlines() if "bin/carecircle" in line]
    # migrate, push_keys (the web push keys, made once), demo, run.
    assert len(steps) == 4, result.stdout
    assert all("PORT=8611" in step for step in steps), steps

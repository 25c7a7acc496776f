"""X-Forwarded-For is trusted exactly as far as NUM_PROXIES says (security review finding 5)."""

import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from django.test import RequestFactory

from carecircle.lib.addresses import client_address
from tests.servers import BIN, ROOT, free_port, server_environment, stop, wait_until_ready


def api_status(base_url: str, forwarded_for: str) -> int:
    request = urllib.request.Request(f"{base_url}/api/v1/me", headers={"X-Forwarded-For": forwarded_for})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def production_server(transactional_db: None) -> Iterator[str]:
    """`carecircle serve` with no proxies configured and a tiny per-address API limit."""
    port = free_port()
    environment = server_environment({"NUM_PROXIES": "0", "API_RATE_LIMIT_PER_ADDRESS": "2"})
    process = subprocess.Popen(
        [str(BIN / "carecircle"), "serve", "--port", str(port), "--no-access-log"], cwd=ROOT, env=environment
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{base_url}/healthz", process, timeout=90)
        yield base_url
    finally:
        stop(process)


def test_a_client_on_loopback_cannot_get_round_the_address_limit_with_forwarded_for(production_server):
    statuses = [api_status(production_server, f"198.51.100.{number}") for number in range(3)]

    assert statuses[:2] == [401, 401]
    assert statuses[2] == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.1", "127.0.0.1"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "203.0.113.66, 198.51.100.1", "198.51.100.1"),
        (2, "203.0.113.66, 198.51.100.1", "203.0.113.66"),
        (2, "198.51.100.1", "127.0.0.1"),
    ],
)
def test_the_address_is_the_one_the_configured_proxies_saw(settings, proxies, forwarded_for, expected):
    settings.NUM_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == expected

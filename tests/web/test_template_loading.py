"""Templates are cached in production and re-read on your own computer (DEBUG on, no autoreloader)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_LOADER = (
    "from django.template import engines; print(type(engines['django'].engine.template_loaders[0]).__module__)"
)


@pytest.mark.parametrize(
    ("debug", "loader"),
    [("true", "django.template.loaders.app_directories"), ("false", "django.template.loaders.cached")],
)
def test_the_template_loader_follows_debug(debug, loader, tmp_path):
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")},
        "DEBUG": debug,
        "SECRET_KEY": "a-long-enough-secret-key-for-this-test-only-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CARECIRCLE_VAR_DIR": str(tmp_path),
    }
    command = [str(Path(sys.executable).parent / "carecircle"), "shell", "-c", PRINT_LOADER]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == loader

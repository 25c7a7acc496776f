"""The commit habits the pre-commit hooks keep: a subject of at most 72 characters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / ".ci" / "check_commit_subject.py"


@pytest.mark.parametrize(
    ("message", "accepted"),
    [
        ("lib: Answer every refusal with the status its kind declares.\n\nWhy.\n", True),
        ("a" * 72 + "\n", True),
        ("a" * 73 + "\n", False),
        ("# Please enter the commit message\n\nweb: Fix the footer.\n", True),
        ("# only a comment\n\n", False),
    ],
)
def test_the_commit_msg_hook_refuses_a_subject_over_72_characters(tmp_path: Path, message: str, accepted: bool) -> None:
    file = tmp_path / "COMMIT_EDITMSG"
    file.write_text(message, encoding="utf-8")
    result = subprocess.run([sys.executable, str(CHECK), str(file)], capture_output=True, text=True, check=False)
    assert (result.returncode == 0) is accepted, result.stderr


def test_the_pre_commit_hooks_run_what_make_lint_runs_from_the_venv() -> None:
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for tool in ("ruff check", "ruff format --check", "mypy carecircle tests", "lint-imports"):
        assert f".venv/bin/{tool}" in config
        assert f"$(VENV)/bin/{tool}" in makefile
    assert "repo: local" in config
    assert "https://" not in config

"""The commit-msg hook: a commit's subject (its first line) is at most 72 characters.

Usage: check_commit_subject.py FILE (git passes the message file). Lines git strips (comments) are
ignored, so `git commit -v` still works.
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 72


def subject_problem(message: str) -> str | None:
    """What is wrong with the message's subject, or None when it is fine."""
    lines = [line for line in message.splitlines() if not line.startswith("#")]
    subject = next((line for line in lines if line.strip()), "")
    if not subject:
        return "The commit message is empty: write a subject like 'area: Imperative summary.'"
    if len(subject) > LIMIT:
        return f"The subject is {len(subject)} characters long; keep it to {LIMIT} and say the rest in the body."
    return None


def main(argv: list[str]) -> int:
    problem = subject_problem(Path(argv[1]).read_text(encoding="utf-8"))
    if problem:
        print(problem, file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

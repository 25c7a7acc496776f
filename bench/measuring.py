"""One checkout measured in a process of its own, asked one line at a time: shared by the bench scripts.

bench/floor.py and bench/home_pages.py run their own file again as the measuring process, in the
checkout measured (its code and templates), so "before" and "now" are measured alike on the same
database in alternating rounds and share the noise of a busy machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


class Measurer:
    """`script flag checkout` run in `checkout`: it says "ready", then answers each line with one line of JSON."""

    def __init__(self, script: Path, flag: str, checkout: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(script), flag, str(checkout)],
            env=env,
            cwd=checkout,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == "ready"

    def read(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line:
            raise SystemExit("the measuring process stopped")
        return line if line == "ready" else json.loads(line)

    def ask(self, *words: object) -> Any:
        """The answer to one question: its words on one line (none may hold a space)."""
        assert self.process.stdin is not None
        self.process.stdin.write(" ".join(str(word) for word in words) + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)

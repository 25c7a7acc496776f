"""Refusals that carry a machine-readable code, so API clients can act on them (re-authenticate, narrow a token…)."""

from __future__ import annotations


class Refusal(Exception):
    """A request refused for a reason a program should recognise: the API answers {"detail", "code"}."""

    status = 403
    code = "refused"

"""Refusals that carry a machine-readable code, so API clients can act on them (re-authenticate, narrow a token…)."""

from __future__ import annotations

from carecircle.lib.errors import NotAllowed


class Refusal(NotAllowed):
    """A request refused for a reason a program should recognise: the API answers {"detail", "code"} (403)."""

    code = "refused"

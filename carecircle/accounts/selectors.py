"""Reading accounts for the pages and the API alike."""

from __future__ import annotations

from carecircle.accounts.models import ApiToken, User


def api_tokens_for(*, user: User) -> list[ApiToken]:
    """Every token the user has made, newest first, revoked ones too."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))

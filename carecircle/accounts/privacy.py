"""The account's own part in subject access (its details, sessions, tokens and factors, never secrets)."""

from __future__ import annotations

from collections.abc import Iterable

from carecircle.accounts.models import ApiToken, Passkey, SignedInSession, TextCode, TotpDevice, User
from carecircle.lib.privacy_registry import csv_rows, json_document, subject_part_register
from carecircle.lib.zipstream import Member


def subject_access(user: User) -> Iterable[Member]:
    yield (
        "account/your-details.json",
        json_document(
            {
                "email": user.email,
                "email_confirmed_at": user.email_verified_at,
                "name": user.display_name,
                "phone": user.phone,
                "time_zone": user.time_zone,
                "language": user.language,
                "joined": user.date_joined,
                "last_sign_in": user.last_login,
                "two_step_sign_in": {
                    "authenticator_app": TotpDevice.objects.filter(user=user).exists(),
                    "passkeys": list(Passkey.objects.filter(user=user).values_list("name", "created_at")),
                },
            }
        ),
    )
    yield (
        "account/where-you-are-signed-in.csv",
        csv_rows(
            ["device", "address", "since", "last seen"],
            SignedInSession.objects.filter(user=user).values_list(
                "user_agent", "ip_address", "created_at", "last_seen_at"
            ),
        ),
    )
    yield (
        "account/api-tokens.csv",
        csv_rows(
            ["name", "starts with", "made", "last used", "revoked", "read only", "circle", "ends"],
            ApiToken.objects.filter(user=user).values_list(
                "name", "prefix", "created_at", "last_used_at", "revoked_at", "read_only", "circle_id", "expires_at"
            ),
        ),
    )


subject_part_register("accounts", subject_access)


def _stale_sessions_rule() -> None:
    from carecircle.lib.retention import RetentionRule, retention_rule_register

    retention_rule_register(
        RetentionRule(
            name="signed-in sessions",
            setting="RETENTION_SESSIONS_DAYS",
            model=SignedInSession,
            date_field="last_seen_at",
        )
    )
    # Codes texted to sign in or join: useless after 10 minutes, kept a while to look into misuse.
    retention_rule_register(
        RetentionRule(name="text codes", setting="RETENTION_SESSIONS_DAYS", model=TextCode, date_field="created_at")
    )


_stale_sessions_rule()

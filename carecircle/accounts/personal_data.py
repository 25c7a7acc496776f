"""Accounts' entries in the personal-data register (carecircle/lib/personal_data.py)."""

from carecircle.lib.personal_data import personal_data_declare

ACCOUNT = "while the account exists; erased when its owner deletes it"
personal_data_declare(
    "accounts.User",
    whose="the account holder",
    why="to sign in, to show who did what, and to reach them by email or text",
    retention=ACCOUNT,
    fields={
        "email": "email address",
        "display_name": "the name others see",
        "phone": "mobile number for texts",
        "time_zone": "time zone, to show times",
        "language": "language",
        "password": "password hash (Argon2)",
        "last_login": "when they last signed in",
        "email_verified_at": "when the address was confirmed",
        "date_joined": "when the account was made",
    },
)
personal_data_declare(
    "accounts.ApiToken",
    whose="the account holder",
    why="to let their programs use the API",
    retention=ACCOUNT,
    fields={"user": "whose", "name": "the token's name", "last_used_at": "when it was last used"},
    not_personal={"secret_hash": "a SHA-256 of a random secret", "prefix": "random characters"},
)
personal_data_declare(
    "accounts.SignedInSession",
    whose="the account holder",
    why="to show where they are signed in and sign out elsewhere",
    retention="until signed out or timed out; SESSION retention removes stale rows (RETENTION_SESSIONS_DAYS)",
    fields={
        "user": "whose",
        "user_agent": "browser and device",
        "ip_address": "network address",
        "last_seen_at": "last use",
    },
    not_personal={"session_key": "the random session key"},
)
personal_data_declare(
    "accounts.TotpDevice",
    whose="the account holder",
    why="two-step sign-in",
    retention=ACCOUNT + ", or when the app is removed",
    fields={"user": "whose", "sealed_secret": "the authenticator app's key, sealed with the site key"},
)
personal_data_declare(
    "accounts.Passkey",
    whose="the account holder",
    why="two-step sign-in",
    retention=ACCOUNT + ", or when the passkey is removed",
    fields={
        "user": "whose",
        "name": "the passkey's name",
        "public_key": "the passkey's public key",
        "transports": "how it connects",
    },
    not_personal={"credential_id": "a random credential id"},
)
personal_data_declare(
    "accounts.RecoveryCode",
    whose="the account holder",
    why="getting back into the account when a second factor is lost",
    retention=ACCOUNT + ", or when new codes are made",
    fields={"user": "whose"},
    not_personal={"code_hash": "a salted SHA-256", "salt": "random"},
)
personal_data_declare(
    "accounts.TextCode",
    whose="the holder of the mobile number",
    why="to sign in, or join a circle, with a code sent by text",
    retention="RETENTION_SESSIONS_DAYS after it is sent (it works for 10 minutes); erased with the account",
    fields={"phone": "mobile number", "user": "whose", "attempts": "how many tries", "used_at": "when used"},
    not_personal={"code_hash": "a keyed hash of the code", "subject": "the invitation it is for"},
)

"""Read configuration from environment variables, with clear errors for bad values."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigurationError(Exception):
    """A setting in the environment cannot be used; the message says which and why."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from error


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int
    user: str
    password: str
    use_tls: bool
    use_ssl: bool
    default_from: str | None


def smtp_mailer(email: EmailSettings) -> dict[str, object]:
    """Django's MAILERS entry for an SMTP server."""
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": email.host,
            "port": email.port,
            "username": email.user,
            "password": email.password,
            "use_tls": email.use_tls,
            "use_ssl": email.use_ssl,
            "timeout": 20,
        },
    }


def parse_email_url(url: str) -> EmailSettings:
    """Turn smtp://user:pass@host:port (or smtp+tls://, smtp+ssl://) into SMTP settings."""
    parts = urlsplit(url)
    schemes = {"smtp": (False, False), "smtp+tls": (True, False), "smtp+ssl": (False, True)}
    if parts.scheme not in schemes:
        raise ConfigurationError(
            f"EMAIL_URL must start with smtp://, smtp+tls:// or smtp+ssl://, not {parts.scheme}://."
        )
    if not parts.hostname:
        raise ConfigurationError("EMAIL_URL has no host name.")
    use_tls, use_ssl = schemes[parts.scheme]
    query = parse_qs(parts.query)
    default_port = 465 if use_ssl else (587 if use_tls else 25)
    return EmailSettings(
        host=parts.hostname,
        port=parts.port or default_port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
        default_from=query.get("from", [None])[0],
    )

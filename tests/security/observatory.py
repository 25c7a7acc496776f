"""The HTTP Observatory's scoring rules (Mozilla's published methodology, 2024 revision), for our own responses.

Every site starts at 100; each test adds a modifier; bonuses count only when the score without
them is at least 90. 100 or more is A+. Tests that need the network (HSTS preload lists, HPKP)
score as a site that isn't preloaded would. See docs/security/headers.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http.cookies import SimpleCookie

GRADES = (
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
)
SESSION_COOKIE_HINTS = ("session", "sess", "sid", "login", "auth", "token", "csrf")
PRIVATE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
UNSAFE_REFERRER_POLICIES = {"origin", "origin-when-cross-origin", "unsafe-url"}


@dataclass
class Scan:
    """One page as a scanner sees it: final headers, Set-Cookie headers, HTML, and where plain http went."""

    headers: dict[str, str]
    set_cookies: list[str]
    html: str
    http_redirect: str | None  # Location answered to the same path over http, or None.
    host: str


@dataclass
class Result:
    modifiers: dict[str, int] = field(default_factory=dict)

    @property
    def score(self) -> int:
        penalties = sum(value for value in self.modifiers.values() if value < 0)
        bonuses = sum(value for value in self.modifiers.values() if value > 0)
        base = 100 + penalties
        return max(0, base + bonuses if base >= 90 else base)

    @property
    def grade(self) -> str:
        return next(grade for floor, grade in GRADES if self.score >= floor)


def _csp(headers: dict[str, str]) -> tuple[str, int, dict[str, list[str]]]:
    raw = headers.get("content-security-policy")
    if not raw:
        return "csp-not-implemented", -25, {}
    policy: dict[str, list[str]] = {}
    for part in raw.split(";"):
        tokens = part.strip().split()
        if tokens:
            policy.setdefault(tokens[0].lower(), tokens[1:])
    scripts = policy.get("script-src", policy.get("default-src", []))
    styles = policy.get("style-src", policy.get("default-src", []))
    every_source = [source for sources in policy.values() for source in sources]
    if "default-src" not in policy and "script-src" not in policy:
        return "csp-implemented-with-unsafe-inline", -20, policy
    if "'unsafe-inline'" in scripts and not any(s.startswith(("'nonce-", "'sha")) for s in scripts):
        return "csp-implemented-with-unsafe-inline", -20, policy
    if any(source in {"http:", "ftp:"} or source.startswith("http://") for source in every_source):
        return "csp-implemented-with-insecure-scheme", -20, policy
    if "'unsafe-eval'" in scripts:
        return "csp-implemented-with-unsafe-eval", -10, policy
    if "'unsafe-inline'" in styles:
        return "csp-implemented-with-unsafe-inline-in-style-src-only", 0, policy
    if policy.get("default-src") == ["'none'"]:
        return "csp-implemented-with-no-unsafe-default-src-none", 10, policy
    return "csp-implemented-with-no-unsafe", 5, policy


def _hsts_seconds(headers: dict[str, str]) -> int | None:
    raw = headers.get("strict-transport-security")
    if not raw:
        return None
    for part in raw.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdigit():
            return int(value.strip())
    return -1


def _cookies(scan: Scan, hsts: bool) -> tuple[str, int]:
    if not scan.set_cookies:
        return "cookies-not-found", 0
    worst = ("cookies-secure-with-httponly-sessions-and-samesite", 5)
    ranking = {
        "cookies-secure-with-httponly-sessions-and-samesite": 5,
        "cookies-secure-with-httponly-sessions": 0,
        "cookies-without-secure-flag-but-protected-by-hsts": -5,
        "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
        "cookies-without-secure-flag": -20,
        "cookies-samesite-flag-invalid": -20,
        "cookies-anticsrf-without-samesite-flag": -20,
        "cookies-session-without-httponly-flag": -30,
        "cookies-session-without-secure-flag": -40,
    }
    for header in scan.set_cookies:
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            session = any(hint in name.lower() for hint in SESSION_COOKIE_HINTS)
            secure = bool(morsel["secure"])
            httponly = bool(morsel["httponly"])
            samesite = str(morsel["samesite"]).lower()
            found = "cookies-secure-with-httponly-sessions-and-samesite"
            if samesite and samesite not in {"lax", "strict", "none"}:
                found = "cookies-samesite-flag-invalid"
            elif not samesite:
                found = (
                    "cookies-anticsrf-without-samesite-flag"
                    if "csrf" in name.lower()
                    else "cookies-secure-with-httponly-sessions"
                )
            if session and not httponly and "csrf" not in name.lower():
                found = "cookies-session-without-httponly-flag"
            if not secure:
                if session:
                    found = (
                        "cookies-session-without-secure-flag-but-protected-by-hsts"
                        if hsts
                        else "cookies-session-without-secure-flag"
                    )
                else:
                    found = (
                        "cookies-without-secure-flag-but-protected-by-hsts" if hsts else "cookies-without-secure-flag"
                    )
            if ranking[found] < worst[1]:
                worst = (found, ranking[found])
    return worst


def score(scan: Scan) -> Result:
    """Score one scan with the Observatory's rules."""
    headers = {name.lower(): value for name, value in scan.headers.items()}
    result = Result()
    csp_test, csp_modifier, policy = _csp(headers)
    result.modifiers[csp_test] = csp_modifier

    hsts = _hsts_seconds(headers)
    if hsts is None:
        result.modifiers["hsts-not-implemented"] = -20
    elif hsts < 0:
        result.modifiers["hsts-header-invalid"] = -20
    elif hsts < 15768000:
        result.modifiers["hsts-implemented-max-age-less-than-six-months"] = -10
    else:
        result.modifiers["hsts-implemented-max-age-at-least-six-months"] = 0

    cookie_test, cookie_modifier = _cookies(scan, hsts is not None and hsts >= 15768000)
    result.modifiers[cookie_test] = cookie_modifier

    allow_origin = headers.get("access-control-allow-origin", "")
    result.modifiers[
        "cross-origin-resource-sharing-implemented-with-universal-access"
        if allow_origin.strip() == "*"
        else "cross-origin-resource-sharing-not-implemented"
    ] = -50 if allow_origin.strip() == "*" else 0

    if scan.http_redirect is None:
        result.modifiers["redirection-missing"] = -20
    elif not scan.http_redirect.startswith(f"https://{scan.host}"):
        result.modifiers["redirection-off-host-from-http"] = -5
    else:
        result.modifiers["redirection-to-https"] = 0

    referrer = headers.get("referrer-policy", "").split(",")[-1].strip().lower()
    if not referrer:
        result.modifiers["referrer-policy-not-implemented"] = 0
    elif referrer in PRIVATE_REFERRER_POLICIES:
        result.modifiers["referrer-policy-private"] = 5
    elif referrer == "no-referrer-when-downgrade":
        result.modifiers["referrer-policy-no-referrer-when-downgrade"] = 0
    elif referrer in UNSAFE_REFERRER_POLICIES:
        result.modifiers["referrer-policy-unsafe"] = -5
    else:
        result.modifiers["referrer-policy-header-invalid"] = -5

    external_scripts = [src for src in _script_sources(scan.html) if src.startswith(("http:", "https:", "//"))]
    if any(src.startswith("http:") for src in external_scripts):
        result.modifiers["sri-not-implemented-and-external-scripts-not-loaded-securely"] = -50
    elif external_scripts:
        result.modifiers["sri-not-implemented-but-external-scripts-loaded-securely"] = -5
    else:
        result.modifiers["sri-not-implemented-but-all-scripts-loaded-from-secure-origin"] = 0

    nosniff = headers.get("x-content-type-options", "").strip().lower()
    result.modifiers[
        "x-content-type-options-nosniff" if nosniff == "nosniff" else "x-content-type-options-not-implemented"
    ] = 0 if nosniff == "nosniff" else -5

    if policy.get("frame-ancestors") in (["'none'"], ["'self'"]):
        result.modifiers["x-frame-options-implemented-via-csp"] = 5
    elif headers.get("x-frame-options", "").upper() in {"DENY", "SAMEORIGIN"}:
        result.modifiers["x-frame-options-sameorigin-or-deny"] = 0
    else:
        result.modifiers["x-frame-options-not-implemented"] = -20

    corp = headers.get("cross-origin-resource-policy", "").strip().lower()
    if corp in {"same-origin", "same-site"}:
        result.modifiers["corp-implemented-with-same-origin"] = 0
    elif corp == "cross-origin":
        result.modifiers["corp-implemented-with-cross-origin"] = 0
    elif corp:
        result.modifiers["corp-header-invalid"] = -5
    else:
        result.modifiers["corp-not-implemented"] = 0
    return result


def _script_sources(html: str) -> list[str]:
    import re

    return re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)

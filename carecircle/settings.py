"""CareCircle settings: everything that differs between machines comes from the environment."""

from __future__ import annotations

from pathlib import Path

from django.utils.csp import CSP

from carecircle.lib.channel_layers import QUEUES, redis_channel_layer
from carecircle.lib.database import DEFAULT_POOL_SIZE, DEFAULT_POOL_TIMEOUT_SECONDS, database_setting
from carecircle.lib.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_email_url,
    smtp_mailer,
)
from carecircle.lib.startup import INSECURE_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CARECIRCLE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Links in emails and texts. By default the address `carecircle run` and `serve` listen on, so a
# demo on another PORT sends links that open.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_tasks_db",
    # Serves the API docs' Swagger files locally, so the page works under the site's CSP.
    "ninja",
    "carecircle.web",
    "carecircle.accounts",
    "carecircle.circles",
    "carecircle.orgs",
    "carecircle.audit",
    "carecircle.realtime",
    "carecircle.notifications",
    "carecircle.tasks",
    "carecircle.records",
    "carecircle.conversations",
    "carecircle.api",
]

MIDDLEWARE = [
    # Outermost: work a request leaves for after its answer (a message's notifications) runs when the
    # server closes the response it sends (lib/after_response.py).
    "carecircle.lib.after_response.AfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "carecircle.web.headers.SecurityHeadersMiddleware",
    "carecircle.web.hostile_input.RefuseNulMiddleware",
    # /ping (liveness) is answered here, before the session and the user are read (web/liveness.py).
    "carecircle.web.liveness.LivenessMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "carecircle.web.compression.GZipUnlessSecretMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Accept-Language, or the language cookie the footer's switcher sets; a member's own choice
    # (MemberLanguageMiddleware, once they are known) beats both. docs/translating.md
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "carecircle.api.throttle.ApiRateLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "carecircle.accounts.middleware.SignedInSessionMiddleware",
    "carecircle.accounts.middleware.ViewerTimezoneMiddleware",
    "carecircle.accounts.middleware.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "carecircle.accounts.session_policy.SessionTimeoutMiddleware",
    "carecircle.accounts.signin.MfaSetupMiddleware",
    # An ETag over the rendered page (nonce and CSRF mask put back) and a 304 when it is unchanged,
    # for pages without one of their own; outside the CSP and offline headers, which it hashes
    # (web/conditional_pages.py, docs/architecture/page-weight.md "Repeat visits").
    "carecircle.web.conditional_pages.PageETagMiddleware",
    "carecircle.web.offline.OfflineCopyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "carecircle.urls"
ASGI_APPLICATION = "carecircle.asgi.application"
WSGI_APPLICATION = "carecircle.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {
            # Cached in production; re-read on every request with DEBUG on, because `make run` serves
            # through uvicorn, which has no autoreloader to clear the cache when a template changes.
            "loaders": [
                "django.template.loaders.app_directories.Loader"
                if DEBUG
                else ("django.template.loaders.cached.Loader", ["django.template.loaders.app_directories.Loader"])
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "carecircle.web.context_processors.site",
            ],
            # `{% url %}` keeping each address it reversed (web/templatetags/kept_urls.py), `{% extends %}`
            # listing the root template's blocks once (web/templatetags/kept_blocks.py).
            "builtins": ["carecircle.web.templatetags.kept_urls", "carecircle.web.templatetags.kept_blocks"],
            # Dates with a short month name go through `short_date` (docs/architecture/i18n.md, "Dates").
            "libraries": {
                "short_dates": "carecircle.lib.date_filters",
                # Django's i18n library with fixed texts kept per language (web/templatetags/kept_translations.py).
                "i18n": "carecircle.web.templatetags.kept_translations",
            },
        },
    },
]

# Database: SQLite in var/ on one box, PostgreSQL through DATABASE_URL at scale.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'carecircle.sqlite3'}")
# PostgreSQL connections come from a pool of DATABASE_POOL_SIZE per process (lib/database.py).
DATABASES = {
    "default": database_setting(
        DATABASE_URL,
        var_dir=VAR_DIR,
        pool=env_bool("DATABASE_POOL", True),
        pool_size=env_int("DATABASE_POOL_SIZE", DEFAULT_POOL_SIZE),
        pool_timeout=env_int("DATABASE_POOL_TIMEOUT", DEFAULT_POOL_TIMEOUT_SECONDS),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Threads per app process that run HTTP requests (carecircle/asgi.py); fewer than the pool's
# connections, so WebSocket consumers still find one.
HTTP_THREADS = env_int("HTTP_THREADS", 8)
# Threads per app process for work after a response's answer (a message's notifications:
# lib/after_response.py), so no request waits behind it; with HTTP_THREADS, within the pool's 12.
AFTER_RESPONSE_THREADS = env_int("AFTER_RESPONSE_THREADS", 2)

# Redis (optional): cache, rate limits and the channel layer shared by several app processes.
# How long its Redis reads may take: CHANNEL_LAYER_READ_SECONDS in carecircle/lib/channel_layers.py.
REDIS_URL = env_str("REDIS_URL")
REDIS_PREFIX = env_str("REDIS_PREFIX", "carecircle")
# Which Redis channel layer carries live events (carecircle/lib/channel_layers.py,
# docs/architecture/realtime.md): "pubsub" (one PUBLISH per group) or "queues" (one copy per connection).
CHANNEL_LAYER = env_str("CHANNEL_LAYER", QUEUES)
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache with one connection pool per process, not one per request (lib/redis_cache.py).
            "BACKEND": "carecircle.lib.redis_cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            # Fail fast when Redis is unreachable, and notice a restarted Redis before using a dead connection.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2, "health_check_interval": 30},
        }
    }
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL, prefix=f"{REDIS_PREFIX}:channels", kind=CHANNEL_LAYER)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Background work: a database-backed queue run by `carecircle worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_USER_MODEL = "accounts.User"
# Email is unique only when present (accounts made by text have none); this backend refuses an empty one.
AUTHENTICATION_BACKENDS = ["carecircle.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "circles:list"
LOGOUT_REDIRECT_URL = "web:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Django's validators, subclassed for their words in Welsh and Polish (accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "carecircle.accounts.passwords.UserAttributeSimilarityValidator"},
    {
        "NAME": "carecircle.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "carecircle.accounts.passwords.CommonPasswordValidator"},
    {"NAME": "carecircle.accounts.passwords.NumericPasswordValidator"},
    {"NAME": "carecircle.accounts.passwords.GuessablePatternValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 7

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Login throttling: attempts allowed per window, per account and per network address.
LOGIN_ATTEMPTS_PER_ACCOUNT = env_int("LOGIN_ATTEMPTS_PER_ACCOUNT", 5)
LOGIN_ATTEMPTS_PER_ADDRESS = env_int("LOGIN_ATTEMPTS_PER_ADDRESS", 20)
LOGIN_ATTEMPT_WINDOW_SECONDS = env_int("LOGIN_ATTEMPT_WINDOW_SECONDS", 15 * 60)
# Codes texted to sign in or join by text (accounts/text_codes.py): how long one works, how many tries it
# gets, and how many may be sent an hour to one number and from one network address.
TEXT_CODE_MINUTES = env_int("TEXT_CODE_MINUTES", 10)
TEXT_CODE_ATTEMPTS = env_int("TEXT_CODE_ATTEMPTS", 5)
TEXT_CODES_PER_NUMBER_PER_HOUR = env_int("TEXT_CODES_PER_NUMBER_PER_HOUR", 3)
TEXT_CODES_PER_ADDRESS_PER_HOUR = env_int("TEXT_CODES_PER_ADDRESS_PER_HOUR", 10)
TEXT_CODE_CHECKS_PER_ADDRESS_PER_HOUR = env_int("TEXT_CODE_CHECKS_PER_ADDRESS_PER_HOUR", 30)
NUM_PROXIES = env_int("NUM_PROXIES", 0)

# Sessions end after this long without use, and this long after signing in whatever happens.
# Accounts that must use a second factor (professionals, organisation staff) get the strict idle time.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 14 * 24 * 60) * 60
SESSION_IDLE_TIMEOUT_STRICT = env_int("SESSION_IDLE_MINUTES_STRICT", 60) * 60
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_HOURS", 30 * 24) * 3600
# Exporting a record, share links, phone, second factors and API tokens need a re-authentication this recent.
STEP_UP_MAX_AGE_SECONDS = env_int("STEP_UP_MINUTES", 10) * 60
# Two-step sign-in: the name authenticator apps show, and the WebAuthn relying party (SITE_URL's host by default).
MFA_ISSUER = env_str("MFA_ISSUER", "CareCircle")
WEBAUTHN_RP_ID = env_str("WEBAUTHN_RP_ID", "")
WEBAUTHN_ORIGINS = env_list("WEBAUTHN_ORIGINS") or [SITE_URL]

LANGUAGE_CODE = "en-gb"
# Each named in its own language, as the switcher shows them. Every app keeps its own catalogs in
# carecircle/<app>/locale/<language>/LC_MESSAGES/. docs/translating.md
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg"), ("pl", "Polski")]
# carecircle/lib is not an app, so its catalog (shared checks such as lib/text.py and
# lib/schemas.py) is named here. docs/architecture/i18n.md
LOCALE_PATHS = [BASE_DIR / "carecircle" / "lib" / "locale"]
# The switcher's choice for someone signed out; a year, like the other long-lived preferences.
LANGUAGE_COOKIE_NAME = "carecircle_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# Hashed names (cached for a year, immutable) and brotli + gzip copies, made by `collectstatic`.
# On in production; `make run` and tests read the source files unless STATIC_HASHED is set
# (the page-weight test sets it to measure what production sends). docs/architecture/page-weight.md
STATIC_HASHED = env_bool("STATIC_HASHED", not DEBUG)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "carecircle.lib.static_storage.KeptUrlsStaticFilesStorage"
        if STATIC_HASHED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_HASHED
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
CIRCLE_PHOTO_MAX_BYTES = 5 * 1024 * 1024

# Email: SMTP through EMAIL_URL; without it, a local outbox a developer can read at /dev/outbox/.
EMAIL_URL = env_str("EMAIL_URL")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CareCircle <no-reply@carecircle.invalid>")
# Where people ask for another format or report an accessibility problem (the accessibility page).
ACCESSIBILITY_CONTACT_EMAIL = env_str("ACCESSIBILITY_CONTACT_EMAIL", "")
if EMAIL_URL:
    _email = parse_email_url(EMAIL_URL)
    MAILERS = {"default": smtp_mailer(_email)}
    if _email.default_from:
        DEFAULT_FROM_EMAIL = _email.default_from
else:
    MAILERS = {"default": {"BACKEND": "carecircle.notifications.outbox.OutboxEmailBackend"}}
SMS_BACKEND = env_str("SMS_BACKEND", "carecircle.notifications.sms.OutboxSmsBackend")
# At most this many texts a member a day from notify(); urgent news (someone struggling, a visit concern) always goes.
SMS_DAILY_CAP = env_int("SMS_DAILY_CAP", 8)
# notify() to this many members or more writes one FanOut row; the worker writes each member's
# notification and deliveries, FAN_OUT_CHUNK members per transaction (docs/architecture/notifications.md).
NOTIFY_IN_WORKER_FROM = env_int("NOTIFY_IN_WORKER_FROM", 100)
FAN_OUT_CHUNK = env_int("FAN_OUT_CHUNK", 250)
# The worker's CPU niceness (0 to 19; `carecircle worker` raises its own to this at start, never
# lowers it): its notifications of a big circle are not urgent, the live events on the same cores
# are (docs/architecture/notifications.md, "The worker yields the cores"). 0 leaves it as started.
WORKER_NICE = env_int("WORKER_NICE", 10)
# GOV.UK Notify (SMS_BACKEND=carecircle.notifications.sms_providers.NotifySmsBackend): an API key, a
# text template whose whole content is ((body)), and the bearer token of the inbound callback.
NOTIFY_API_KEY = env_str("NOTIFY_API_KEY")
NOTIFY_BASE_URL = env_str("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_SMS_TEMPLATE_ID = env_str("NOTIFY_SMS_TEMPLATE_ID")
NOTIFY_INBOUND_TOKEN = env_str("NOTIFY_INBOUND_TOKEN")
# Twilio (SMS_BACKEND=carecircle.notifications.sms_providers.TwilioSmsBackend); the auth token also
# verifies the signature of inbound texts. TWILIO_API_BASE points at `carecircle sms_fake_provider` in development.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM = env_str("TWILIO_FROM")
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "https://api.twilio.com")
# Inbound texts: requests a minute from one address, and texts an hour acted on from one number.
SMS_INBOUND_PER_MINUTE_PER_ADDRESS = env_int("SMS_INBOUND_PER_MINUTE_PER_ADDRESS", 120)
SMS_INBOUND_PER_HOUR_PER_NUMBER = env_int("SMS_INBOUND_PER_HOUR_PER_NUMBER", 30)
# Reply by email (docs/architecture/notifications.md): emails about a conversation carry
# Reply-To: reply+<signed token>@REPLY_DOMAIN when it is set. Replies arrive through
# `carecircle mail-inbound` (SMTP on MAIL_INBOUND_HOST:MAIL_INBOUND_PORT) or the Postmark inbound
# webhook, which checks ANYMAIL_WEBHOOK_SECRET ("user:password" basic auth) and answers 403 without it.
REPLY_DOMAIN = env_str("REPLY_DOMAIN").lower()
MAIL_INBOUND_HOST = env_str("MAIL_INBOUND_HOST", "127.0.0.1")
MAIL_INBOUND_PORT = env_int("MAIL_INBOUND_PORT", 2525)
MAIL_INBOUND_MAX_BYTES = env_int("MAIL_INBOUND_MAX_BYTES", 10 * 1024 * 1024)
MAIL_INBOUND_PER_HOUR_PER_MEMBER = env_int("MAIL_INBOUND_PER_HOUR_PER_MEMBER", 30)
# The authserv-id of the relay in front whose Authentication-Results (DKIM/DMARC) a reply must pass;
# empty: not checked (docs/architecture/notifications.md, "Reply by email").
MAIL_INBOUND_AUTHSERV_ID = env_str("MAIL_INBOUND_AUTHSERV_ID", "")
# The same secret guards the bounce and complaint webhooks at /mail/events/<provider>/.
ANYMAIL = {"WEBHOOK_SECRET": env_str("ANYMAIL_WEBHOOK_SECRET")}
# Web Push (docs/architecture/notifications.md): the VAPID private key (base64url raw P-256, or DER)
# from the environment, else the one `carecircle push_keys` made once and kept in the database.
# VAPID_SUBJECT is the contact push services see (mailto: or https:); by default SITE_URL when it is
# https, else the From address. Subscriptions are accepted only for the push services' own hosts.
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT")
PUSH_SERVICE_HOSTS = env_list("PUSH_SERVICE_HOSTS") or [
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "notify.windows.com",
    "push.apple.com",
]
# Tests only: accept push endpoints at http://127.0.0.1 (the local push service the tests run). Never
# with DEBUG off, so a production environment that sets it still posts only to the push services.
PUSH_ALLOW_LOCAL_ENDPOINTS = DEBUG and env_bool("PUSH_ALLOW_LOCAL_ENDPOINTS", False)
# How long a push service keeps a notification for a device that is off (seconds).
PUSH_TTL_SECONDS = env_int("PUSH_TTL_SECONDS", 12 * 60 * 60)
# At most this many devices a member; subscribing another drops the one unused longest.
PUSH_MAX_DEVICES = env_int("PUSH_MAX_DEVICES", 10)

# Security headers. HTTPS settings turn on with DEBUG off; SECURE_SSL_REDIRECT is opt-in because
# a reverse proxy usually redirects.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Redirecting to HTTPS is usually the reverse proxy's job, and joining the HSTS preload list is
# hard to undo, so both are the operator's explicit choice (docs/architecture/serving.md).
SILENCED_SYSTEM_CHECKS = [
    # User.email is unique when not empty (a conditional constraint); accounts.backends.EmailBackend copes.
    "auth.W004",
    # `{% load i18n %}` is mapped on purpose to Django's library with fixed texts kept
    # (web/templatetags/kept_translations.py); tests/web/test_kept_translations.py fails if any other
    # library name is given twice.
    "templates.W003",
    *([] if SECURE_SSL_REDIRECT else ["security.W008"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# API requests allowed per window, per token and per client address (several people may share one).
API_RATE_LIMIT_PER_TOKEN = env_int("API_RATE_LIMIT_PER_TOKEN", 600)
API_RATE_LIMIT_PER_ADDRESS = env_int("API_RATE_LIMIT_PER_ADDRESS", 3000)
API_RATE_LIMIT_WINDOW_SECONDS = env_int("API_RATE_LIMIT_WINDOW_SECONDS", 60)
# The public referral form: referrals an hour from one address, and the fewest seconds a person takes.
ORGS_INTAKE_PER_HOUR = env_int("ORGS_INTAKE_PER_HOUR", 10)
ORGS_INTAKE_FASTEST_SECONDS = env_int("ORGS_INTAKE_FASTEST_SECONDS", 3)
# The local service directory (Open Referral UK JSON): `carecircle directory_import` reads it from
# this address when given no file; the fetch gives up after the timeout or past the size.
ORGS_DIRECTORY_URL = env_str("ORGS_DIRECTORY_URL")
ORGS_DIRECTORY_TIMEOUT_SECONDS = env_int("ORGS_DIRECTORY_TIMEOUT_SECONDS", 20)
ORGS_DIRECTORY_MAX_BYTES = env_int("ORGS_DIRECTORY_MAX_BYTES", 5 * 1024 * 1024)
# How often the worker fetches ORGS_DIRECTORY_URL again (orgs/jobs.py).
ORGS_DIRECTORY_REFRESH_HOURS = env_int("ORGS_DIRECTORY_REFRESH_HOURS", 24)
# Invite codes (orgs/invite_codes.py): codes tried an hour per address, circles started an hour per code.
ORGS_INVITE_CODE_TRIES_PER_HOUR = env_int("ORGS_INVITE_CODE_TRIES_PER_HOUR", 20)
ORGS_INVITE_CODE_USES_PER_HOUR = env_int("ORGS_INVITE_CODE_USES_PER_HOUR", 30)
ORGS_LOGO_MAX_BYTES = env_int("ORGS_LOGO_MAX_BYTES", 1024 * 1024)
# Files attached to a referral: checked like the record's documents (lib/uploads.py), up to this size.
ORGS_ATTACHMENT_MAX_BYTES = env_int("ORGS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Retention (days; 0 keeps forever), enforced daily by the worker through carecircle/lib/retention.py.
# See docs/architecture/privacy.md for why each default was chosen.
RETENTION_AUDIT_DAYS = env_int("RETENTION_AUDIT_DAYS", 6 * 365)
RETENTION_ACCESS_LOG_DAYS = env_int("RETENTION_ACCESS_LOG_DAYS", 6 * 365)
RETENTION_DELIVERIES_DAYS = env_int("RETENTION_DELIVERIES_DAYS", 90)
RETENTION_EVENTS_DAYS = env_int("RETENTION_EVENTS_DAYS", 30)
RETENTION_SESSIONS_DAYS = env_int("RETENTION_SESSIONS_DAYS", 30)
RETENTION_TASK_RESULTS_DAYS = env_int("RETENTION_TASK_RESULTS_DAYS", 14)
RETENTION_REPLY_CODES_DAYS = env_int("RETENTION_REPLY_CODES_DAYS", 14)
# Summary PDFs the worker drew (records.PdfJob): each is served for a day, then drawn again.
RETENTION_RECORD_PDF_DAYS = env_int("RETENTION_RECORD_PDF_DAYS", 2)
# A closed circle stays readable (with its export) this long, then the worker erases it.
CIRCLE_ERASE_AFTER_DAYS = env_int("CIRCLE_ERASE_AFTER_DAYS", 90)

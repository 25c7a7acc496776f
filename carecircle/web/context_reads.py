"""Django's per-request values read from asgiref's storage without its lock.

Django keeps the active language, time zone, URLconf and script prefix in asgiref `Local`s. Every
read goes through `Local.__getattr__`: a lock taken and released, then `_CVar.__getattr__`, which
reads a context variable and checks the thread. A circle page reads them ≈ 110 times a request
(docs/architecture/serving.md, "Context values read without the lock").

asgiref's storage is copy-on-write: each `activate()`, `override()`, `deactivate()`,
`set_urlconf()` or `set_script_prefix()` sets a new `_Storage` (the thread's id and a new dict) in
the context variable, and no dict is changed once set. So a read needs no lock and no cache: these
readers take the context variable's current storage, check it is this thread's as asgiref does, and
look the value up. Nothing is kept between reads, so nothing can go stale inside a `{% language %}`
block, a `translation.override()` or a request for another viewer. Each reader reads the module's
`Local` on every call, because Django's test signals replace them when a setting changes.

`install()` (the web app's `ready()`) puts the readers in place of Django's `get_language()`,
`get_current_timezone()`, `get_urlconf()` and `get_script_prefix()` where Django and this project
look them up. If asgiref's storage is not the shape known here (another version), nothing is
installed and Django's own functions stay.
"""

from __future__ import annotations

import threading
from typing import Any

from asgiref import local as asgiref_local
from django.conf import settings
from django.urls import base as _urls_base
from django.utils import timezone as _timezone
from django.utils.translation import trans_real as _trans_real

# Typed loosely: the `Local`s read here are the modules' private names.
urls_base: Any = _urls_base
timezone: Any = _timezone
trans_real: Any = _trans_real

_get_ident = threading.get_ident
_Storage = getattr(asgiref_local, "_Storage", None)
_CVar = getattr(asgiref_local, "_CVar", None)


def _data(local: Any) -> dict[str, Any] | None:
    """The dict asgiref would read for `local` in this context and thread, or None for an empty one."""
    storage = local._storage._data.get(None)
    if storage is None or storage.thread_id != _get_ident():
        return None
    return storage.data  # type: ignore[no-any-return]


def get_language() -> str:
    """Django's `translation.get_language()` (with translations on), without the lock."""
    data = _data(trans_real._active)
    if data is not None:
        active = data.get("value")
        if active is not None:
            try:
                return active.to_language()  # type: ignore[no-any-return]
            except AttributeError:
                pass
    return settings.LANGUAGE_CODE


def get_current_timezone() -> Any:
    """Django's `timezone.get_current_timezone()`, without the lock."""
    data = _data(timezone._active)
    if data is not None and "value" in data:
        return data["value"]
    return timezone.get_default_timezone()


def get_urlconf(default: Any = None) -> Any:
    """Django's `urls.get_urlconf()`, without the lock."""
    data = _data(urls_base._urlconfs)
    if data is not None and "value" in data:
        return data["value"]
    return default


def get_script_prefix() -> str:
    """Django's `urls.get_script_prefix()`, without the lock."""
    data = _data(urls_base._prefixes)
    if data is not None and "value" in data:
        return data["value"]  # type: ignore[no-any-return]
    return "/"


def storage_known() -> bool:
    """Whether Django's `Local`s are asgiref's copy-on-write storage these readers understand."""
    if _Storage is None or _CVar is None or not hasattr(_Storage, "__slots__"):
        return False
    for local in (trans_real._active, timezone._active, urls_base._urlconfs, urls_base._prefixes):
        try:
            storage = object.__getattribute__(local, "_storage")
        except AttributeError:
            return False
        if type(storage) is not _CVar:
            return False
    return set(_Storage.__slots__) == {"thread_id", "data"}


# Django's own functions, as imported before `install()`: the reference the tests draw pages with.
DJANGO_S = {
    "get_language": trans_real.get_language,
    "get_current_timezone": timezone.get_current_timezone,
    "get_urlconf": urls_base.get_urlconf,
    "get_script_prefix": urls_base.get_script_prefix,
}


def places() -> list[tuple[Any, str, Any]]:
    """Where Django's functions are looked up, and the reader put there.

    The module each is defined in (its callers inside that module, e.g. `reverse()` and
    `localtime()`, read the module's global) and the modules that re-export them.
    """
    from django import urls as _urls
    from django.utils import translation as _translation

    urls: Any = _urls
    translation: Any = _translation
    return [
        (translation._trans, "get_language", get_language),
        (timezone, "get_current_timezone", get_current_timezone),
        (urls_base, "get_urlconf", get_urlconf),
        (urls, "get_urlconf", get_urlconf),
        (urls_base, "get_script_prefix", get_script_prefix),
        (urls, "get_script_prefix", get_script_prefix),
    ]


_installed: list[bool] = []


def install() -> bool:
    """Put the readers in place of Django's; False (and nothing changed) if the storage is unknown."""
    if _installed:
        return True
    if not storage_known() or not settings.USE_I18N:
        return False
    for owner, name, reader in places():
        setattr(owner, name, reader)
    _installed.append(True)
    return True


def installed() -> bool:
    """Whether every place holds its reader."""
    return all(getattr(owner, name) is reader for owner, name, reader in places())

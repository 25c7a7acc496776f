"""`{% static %}` addresses are worked out once per name, and are the same as WhiteNoise's (lib/static_storage.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import storages
from django.core.management import call_command
from django.template import Context, Template
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]

from carecircle.lib.static_storage import KeptUrlsStaticFilesStorage


@pytest.fixture
def hashed_static(settings: Any, tmp_path: Any) -> None:
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "carecircle.lib.static_storage.KeptUrlsStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.mark.usefixtures("hashed_static")
def test_a_kept_address_is_whitenoises_and_costs_no_manifest_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    page = Template("{% load static %}{% static 'web/live.js' %} {% static 'web/icons/icon-192.png' %}")
    first = page.render(Context())
    storage = storages["staticfiles"]
    assert isinstance(storage, KeptUrlsStaticFilesStorage)
    plain = CompressedManifestStaticFilesStorage()
    assert first == f"{plain.url('web/live.js')} {plain.url('web/icons/icon-192.png')}"
    assert "/static/web/live." in first
    assert "/static/web/live.js" not in first

    lookups: list[str] = []
    original = KeptUrlsStaticFilesStorage.stored_name

    def counting(self: KeptUrlsStaticFilesStorage, name: str) -> str:
        lookups.append(name)
        return str(original(self, name))

    monkeypatch.setattr(KeptUrlsStaticFilesStorage, "stored_name", counting)
    for _ in range(3):
        assert page.render(Context()) == first
    assert lookups == []


@pytest.mark.usefixtures("hashed_static")
def test_a_new_manifest_or_debug_is_followed_and_a_missing_name_always_refused(settings: Any) -> None:
    hashed = staticfiles_storage.url("web/live.js")
    settings.DEBUG = True
    assert staticfiles_storage.url("web/live.js") == "/static/web/live.js"
    settings.DEBUG = False
    assert staticfiles_storage.url("web/live.js") == hashed

    storage = storages["staticfiles"]
    assert isinstance(storage, KeptUrlsStaticFilesStorage)
    storage.hashed_files = {**storage.hashed_files, "web/live.js": "web/live.0123456789ab.js"}
    assert staticfiles_storage.url("web/live.js") == "/static/web/live.0123456789ab.js"

    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            staticfiles_storage.url("web/not-there.js")

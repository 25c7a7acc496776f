"""Django's language, time zone, URLconf and script prefix read without asgiref's lock (web/context_reads.py).

Each reader must give exactly what Django's own function gives, after every `activate()`,
`override()`, `deactivate()`, `deactivate_all()`, `set_urlconf()` and `set_script_prefix()`, inside
`{% language %}` and `{% timezone %}` blocks, in other threads and in other contexts. Nothing is
kept between reads; these tests fail if anything were (see `test_a_kept_answer_would_fail_here`).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django import urls
from django.conf import settings
from django.template import engines
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import trans_real

from carecircle.web import context_reads

READERS = ["get_language", "get_current_timezone", "get_urlconf", "get_script_prefix"]


def now_read() -> dict[str, Any]:
    """What the installed functions, called as Django's callers call them, answer."""
    return {
        "get_language": translation.get_language(),
        "get_current_timezone": timezone.get_current_timezone(),
        "get_urlconf": urls.get_urlconf(),
        "get_script_prefix": urls.get_script_prefix(),
    }


def django_s() -> dict[str, Any]:
    return {name: context_reads.DJANGO_S[name]() for name in READERS}


def same_as_django() -> dict[str, Any]:
    read = now_read()
    assert read == django_s()
    return read


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    urls.set_urlconf(None)
    urls.set_script_prefix("/")


def test_the_readers_are_installed_where_django_s_callers_look() -> None:
    assert context_reads.storage_known()
    assert context_reads.installed()
    assert translation._trans.get_language is context_reads.get_language  # type: ignore[attr-defined]
    assert timezone.get_current_timezone is context_reads.get_current_timezone
    assert urls.get_urlconf is context_reads.get_urlconf
    assert urls.get_script_prefix is context_reads.get_script_prefix


def test_every_change_of_language_is_read_at_once() -> None:
    for language in ["en-gb", "cy", "pl", "cy", "en-gb"]:
        translation.activate(language)
        assert same_as_django()["get_language"] == language
        with translation.override("pl" if language != "pl" else "cy"):
            inner = same_as_django()["get_language"]
            assert inner == ("pl" if language != "pl" else "cy")
            with translation.override(None):
                assert same_as_django()["get_language"] is None, "override(None): deactivate_all"
            assert same_as_django()["get_language"] == inner
        assert same_as_django()["get_language"] == language
    translation.deactivate()
    assert same_as_django()["get_language"] == settings.LANGUAGE_CODE
    translation.deactivate_all()
    assert same_as_django()["get_language"] is None


def test_every_change_of_time_zone_urlconf_and_script_prefix_is_read_at_once() -> None:
    assert same_as_django()["get_current_timezone"] == timezone.get_default_timezone()
    for zone in ["Europe/London", "Europe/Warsaw", "America/New_York", "Europe/London"]:
        timezone.activate(zone)
        assert str(same_as_django()["get_current_timezone"]) == zone
        with timezone.override("Asia/Tokyo"):
            assert str(same_as_django()["get_current_timezone"]) == "Asia/Tokyo"
            with timezone.override(None):
                assert same_as_django()["get_current_timezone"] == timezone.get_default_timezone()
        assert str(same_as_django()["get_current_timezone"]) == zone
    timezone.deactivate()
    assert same_as_django()["get_current_timezone"] == timezone.get_default_timezone()
    for prefix in ["/care/", "/", "/other/"]:
        urls.set_script_prefix(prefix)
        assert same_as_django()["get_script_prefix"] == prefix
        assert urls.reverse("circles:home", args=[3]) == f"{prefix}circles/3/"
    urls.set_urlconf("carecircle.urls")
    assert same_as_django()["get_urlconf"] == "carecircle.urls"
    urls.set_urlconf(None)
    assert same_as_django()["get_urlconf"] is None


def test_a_changed_language_setting_is_followed() -> None:
    """Django's test signals replace the `Local` when LANGUAGE_CODE changes: the reader reads the new one."""
    translation.activate("cy")
    with override_settings(LANGUAGE_CODE="pl"):
        assert same_as_django()["get_language"] == "pl"
        translation.activate("cy")
        assert same_as_django()["get_language"] == "cy"
    assert same_as_django()["get_language"] == settings.LANGUAGE_CODE


TEMPLATE = (
    "{% load i18n tz %}{% get_current_language as a %}{{ a }}|{{ moment|time:'H:i' }}|{% url 'circles:home' 4 %}"
    "{% language 'pl' %}{% get_current_language as b %}|{{ b }}|{% translate 'Accessibility statement' %}"
    "|{% url 'circles:home' 4 %}{% language 'cy' %}{% get_current_language as c %}|{{ c }}"
    "|{% translate 'Accessibility statement' %}{% endlanguage %}{% endlanguage %}"
    "{% get_current_language as d %}|{{ d }}|{% translate 'Accessibility statement' %}"
    "{% timezone 'Asia/Tokyo' %}|{{ moment|time:'H:i' }}{% get_current_timezone as z %}|{{ z }}{% endtimezone %}"
    "{% get_current_timezone as y %}|{{ y }}|{{ moment|time:'H:i' }}"
)


def drawn(language: str, zone: str) -> str:
    moment = datetime.datetime(2026, 7, 14, 12, 0, tzinfo=datetime.UTC)
    with translation.override(language), timezone.override(zone):
        return engines["django"].from_string(TEMPLATE).render({"moment": moment})


def test_language_and_time_zone_blocks_in_a_template_read_what_they_set(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [("en-gb", "Europe/London"), ("cy", "Europe/London"), ("pl", "Europe/Warsaw"), ("en-gb", "UTC")]
    pages = {case: drawn(*case) for case in cases for _ in range(2)}
    assert pages["en-gb", "Europe/London"] == (
        "en-gb|13:00|/circles/4/|pl|Deklaracja dostępności|/circles/4/|cy|Datganiad hygyrchedd"
        "|en-gb|Accessibility statement|21:00|Asia/Tokyo|Europe/London|13:00"
    )
    assert pages["pl", "Europe/Warsaw"].startswith("pl|14:00|")
    assert pages["pl", "Europe/Warsaw"].endswith("|pl|Deklaracja dostępności|21:00|Asia/Tokyo|Europe/Warsaw|14:00")
    assert pages["cy", "Europe/London"].endswith("|cy|Datganiad hygyrchedd|21:00|Asia/Tokyo|Europe/London|13:00")
    for owner, name, _reader in context_reads.places():
        monkeypatch.setattr(owner, name, context_reads.DJANGO_S[name])
    assert not context_reads.installed()
    assert pages == {case: drawn(*case) for case in cases}, "the same as with Django's own functions"


def in_thread(function: Callable[[], Any]) -> Any:
    answer: list[Any] = []
    thread = threading.Thread(target=lambda: answer.append(function()))
    thread.start()
    thread.join()
    return answer[0]


def test_another_thread_or_context_sees_its_own_values_as_django_s_do() -> None:
    translation.activate("cy")
    timezone.activate("Europe/Warsaw")
    urls.set_script_prefix("/care/")
    here = same_as_django()
    elsewhere = in_thread(lambda: (now_read(), django_s()))
    assert elsewhere[0] == elsewhere[1]
    assert elsewhere[0]["get_language"] == settings.LANGUAGE_CODE, "a new thread starts with nothing active"
    assert elsewhere[0]["get_script_prefix"] == "/"
    # This context carried into another thread is not that thread's (asgiref's rule): nothing active.
    carried = contextvars.copy_context()
    moved = in_thread(lambda: carried.run(lambda: (now_read(), django_s())))
    assert moved[0] == moved[1] == elsewhere[0]

    def inside() -> dict[str, Any]:
        translation.activate("pl")
        return same_as_django()

    assert contextvars.copy_context().run(inside)["get_language"] == "pl"
    assert same_as_django() == here, "a change in a copied context stays there"


def test_asgiref_hands_the_values_over_as_django_s_functions_see_them() -> None:
    translation.activate("pl")
    timezone.activate("America/New_York")
    urls.set_script_prefix("/care/")
    here = same_as_django()

    async def in_loop() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        seen = same_as_django()
        in_worker = await sync_to_async(same_as_django)()

        async def task() -> dict[str, Any]:
            translation.activate("cy")
            return same_as_django()

        other = await asyncio.create_task(task())
        return seen, in_worker, other

    seen, in_worker, other = async_to_sync(in_loop)()
    assert seen == in_worker == here
    assert other["get_language"] == "cy"
    assert same_as_django() == here


def test_a_kept_answer_would_fail_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that kept its first answer (per thread) is caught by the tests above."""
    kept: dict[int, str] = {}
    real = context_reads.get_language

    def keeping() -> str:
        return kept.setdefault(threading.get_ident(), real())

    monkeypatch.setattr(translation._trans, "get_language", keeping)  # type: ignore[attr-defined]
    with pytest.raises(AssertionError):
        test_every_change_of_language_is_read_at_once()
    kept.clear()
    with pytest.raises(AssertionError):
        test_language_and_time_zone_blocks_in_a_template_read_what_they_set(monkeypatch)


def test_an_unknown_storage_installs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context_reads, "_CVar", None)
    assert not context_reads.storage_known()
    monkeypatch.setattr(context_reads, "_installed", [])
    for owner, name, _reader in context_reads.places():
        monkeypatch.setattr(owner, name, context_reads.DJANGO_S[name])
    assert context_reads.install() is False
    assert translation._trans.get_language is trans_real.get_language  # type: ignore[attr-defined]

"""The shared Redis cache warns of the same keys as Django's, without walking every key's letters."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from django.core.cache.backends import base
from django.core.cache.backends.redis import RedisCache

from carecircle.lib.redis_cache import SharedRedisCache

KEYS = [
    ":1:fragment:" + "0123456789abcdef" * 4,
    ":1:django.contrib.sessions.cached_db" + "a" * 32,
    "Cymraeg ŵ ŷ a gofod",
    "tab\there",
    "new\nline",
    "del\x7fete",
    "nul\x00",
    "a" * 250,
    "a" * 251,
    "b" * 300 + " ",
    "",
]


def warned(cache: RedisCache, key: str) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cache.validate_key(key)
    return [str(warning.message) for warning in caught]


@pytest.mark.parametrize("key", KEYS)
def test_it_warns_exactly_as_django_does(key):
    options: dict[str, dict[str, object]] = {"OPTIONS": {}}
    assert warned(SharedRedisCache("redis://127.0.0.1:1/0", options), key) == warned(
        RedisCache("redis://127.0.0.1:1/0", options), key
    )


def test_a_key_memcached_could_store_is_not_walked_letter_by_letter(monkeypatch):
    walked: list[str] = []

    def counting(key: str) -> Iterator[str]:
        walked.append(key)
        return iter(())

    monkeypatch.setattr(base, "memcache_key_warnings", counting)
    cache = SharedRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {}})
    cache.validate_key(KEYS[0])
    cache.make_and_validate_key("fragment:abc")
    assert walked == []
    cache.validate_key("with a space")
    assert walked == ["with a space"]

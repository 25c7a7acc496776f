"""WhiteNoise's hashed, compressed static files storage, with each file's address worked out once.

`{% static %}` asks the storage for a file's address on every render: Django looks the name up in
the manifest, joins it to STATIC_URL and quotes it (≈ 0.035 ms here), five times on every page that
has the frame. The answer depends only on the name, the manifest and `DEBUG`, and the manifest is
read once when the process starts (a new release is a restart), so it is kept per name, and
worked out again if the manifest is replaced (collectstatic in the same process) or `DEBUG`
changes (tests). A name missing from the manifest still raises every time; nothing is kept for it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


class KeptUrlsStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    hashed_files: dict[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_urls: dict[tuple[str, bool], str] = {}
        self._kept_for: object = None

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return str(super().url(name, force))
        if self._kept_for is not self.hashed_files:
            self._kept_urls, self._kept_for = {}, self.hashed_files
        key = (name, settings.DEBUG)
        address = self._kept_urls.get(key)
        if address is None:
            address = self._kept_urls[key] = str(super().url(name))
        return address

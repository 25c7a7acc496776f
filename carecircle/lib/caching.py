"""How long a browser may keep a page: the views' decorators beside Django's `never_cache`."""

from __future__ import annotations

from django.views.decorators.cache import cache_control

# The browser may keep the page only to ask for it again on every visit (`private, no-cache`): an
# unchanged page then answers 304 (web/conditional_pages.py) and every visit still reaches the view.
# For pages without a secret; a page showing one keeps `never_cache` (no copy kept at all).
revalidated = cache_control(private=True, no_cache=True)

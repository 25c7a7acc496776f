"""Readable names for the browsers and devices in the "where you're signed in" list.

Browser and system names are names ("Firefox", "Windows") and stay as they are; the words around
them are translated in the active language, so an email is named in its reader's language.
"""

from __future__ import annotations

from django.utils.translation import gettext

# Order matters: most browsers also claim to be Chrome or Safari, and iPhones claim to be Macs.
BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def device_description(user_agent: str) -> str:
    """Like "Firefox on Windows" or "Safari on iPhone"; "Unknown device" when nothing is recognised."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in SYSTEMS if marker in user_agent), "")
    if browser and system:
        # Translators: a device someone signed in on, such as "Firefox on Windows".
        return gettext("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser:
        return browser
    if system:
        # Translators: %(system)s is a device or system, such as "iPhone" or "Windows".
        return gettext("A browser on %(system)s") % {"system": system}
    return gettext("Unknown device")

"""Draw the app icons in web/static/web/icons/ (committed; run again after changing the design).

The icon is a white ring, the circle of people, around a warm dot on the brand blue. Every shape
sits inside the middle 80 %, so the same picture serves as a maskable icon that phones crop to a
circle or a rounded square.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

BRAND = (29, 91, 121)
WARM = (255, 191, 71)
SIZES = (192, 512)
ICON_DIR = Path(__file__).resolve().parents[2] / "static" / "web" / "icons"


def draw(size: int) -> Image.Image:
    # Drawn four times larger, then shrunk: smooth edges without an antialiasing library.
    scale = 4
    big = size * scale
    image = Image.new("RGB", (big, big), BRAND)
    pen = ImageDraw.Draw(image)
    centre = big / 2
    outer, width = big * 0.30, big * 0.07
    pen.ellipse((centre - outer, centre - outer, centre + outer, centre + outer), outline="white", width=int(width))
    dot = big * 0.11
    pen.ellipse((centre - dot, centre - dot, centre + dot, centre + dot), fill=WARM)
    # A 32-colour palette keeps the file small; the edges still look smooth.
    return image.resize((size, size), Image.Resampling.LANCZOS).quantize(32)


class Command(BaseCommand):
    help = "Draw the app icons (PNG, 192 and 512 pixels) into web/static/web/icons/."

    def handle(self, *args: Any, **options: Any) -> None:
        ICON_DIR.mkdir(parents=True, exist_ok=True)
        for size in SIZES:
            path = ICON_DIR / f"icon-{size}.png"
            draw(size).save(path, optimize=True)
            self.stdout.write(f"Drew {path.name} ({path.stat().st_size} bytes).")

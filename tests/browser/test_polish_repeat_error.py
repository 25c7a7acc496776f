"""A Polish-speaking organiser gives a repeat's last date before its first and reads why in Polish.

In Chromium, through the real task form: the refusal comes from lib/recurrence.py's check of the
series (docs/architecture/i18n.md, "Repeat patterns and their refusals"), what was typed is kept,
and the corrected form goes through. axe checks the page with the error, in Polish.
"""

from __future__ import annotations

import datetime

from playwright.sync_api import Browser, expect

from carecircle.accounts.services import user_update_profile
from carecircle.tasks.models import Task
from tests.browser.conftest import make_checked, sign_in
from tests.cast import build_cast
from tests.tasks.conftest import circle_today


def test_a_wrong_repeat_end_date_is_explained_in_polish(server: str, browser: Browser) -> None:
    cast = build_cast()
    organiser = cast.organiser
    user_update_profile(
        actor=organiser,
        display_name=organiser.display_name,
        phone=organiser.phone,
        time_zone=organiser.time_zone,
        language="pl",
    )
    first = circle_today() + datetime.timedelta(days=7)
    context = browser.new_context()
    sign_in(context, server, organiser)
    checked = make_checked(context)
    page = checked.page

    page.goto(f"{server}/circles/{cast.circle.pk}/")
    page.get_by_role("link", name="Dodaj potrzebną pomoc").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    page.get_by_label("Czego potrzeba").fill("Niedzielny obiad")
    page.get_by_label("Data", exact=True).fill(first.isoformat())
    page.get_by_label("Godzina rozpoczęcia").fill("12:30")
    page.get_by_label("Godzina zakończenia").fill("14:00")
    page.get_by_label("Powtarza się").select_option(label="Co tydzień")
    page.get_by_label("Do określonej daty").check()
    page.get_by_label("Ostatnia data").fill((first - datetime.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Dodaj do kalendarza").click()

    expect(page.get_by_text("Wystąpił problem").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("zanim się zacznie")
    expect(page.locator("main")).to_contain_text("Wybierz datę końca w dniu początku lub później.")
    expect(page.get_by_label("Czego potrzeba")).to_have_value("Niedzielny obiad")
    checked.check("the task form with a wrong repeat end date, in Polish")
    assert not Task.objects.exists()

    page.get_by_label("Ostatnia data").fill((first + datetime.timedelta(days=21)).isoformat())
    page.get_by_role("button", name="Dodaj do kalendarza").click()
    expect(page.locator(".messages")).to_contain_text("Zadanie „Niedzielny obiad” jest w kalendarzu.")
    assert Task.objects.get().rule.startswith("FREQ=WEEKLY;UNTIL=")
    checked.close()

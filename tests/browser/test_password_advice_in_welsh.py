"""A Welsh speaker signs up with a weak password and reads why, and what to do, in Welsh.

In Chromium, through the real sign-up form: Django's length check (subclassed for its Welsh) and
zxcvbn's advice (its English repeated in the accounts catalog) both answer in Welsh, what was typed
except the password is kept, and a better password goes through. axe checks the page with the errors.
docs/architecture/i18n.md, "Password advice".
"""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from tests.browser.conftest import make_checked


def test_a_weak_password_is_explained_in_welsh_on_sign_up(server: str, browser: Browser) -> None:
    context = browser.new_context(locale="cy-GB", extra_http_headers={"Accept-Language": "cy"})
    checked = make_checked(context)
    page = checked.page
    try:
        page.goto(f"{server}{reverse('accounts:signup')}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Creu cyfrif")
        page.get_by_label("Eich enw").fill("Gwen Jones")
        page.get_by_label("Cyfeiriad e-bost").fill("gwen@example.org")
        page.get_by_label("Dewiswch gyfrinair").fill("harbour")
        page.get_by_role("button", name="Creu cyfrif").click()

        main = page.get_by_role("main")
        expect(main).to_contain_text("Mae'r cyfrinair hwn yn rhy fyr. Rhaid iddo gynnwys o leiaf 10 nod.")
        expect(main).to_contain_text(
            "Mae un gair ar ei ben ei hun yn hawdd ei ddyfalu. Ychwanegwch air neu ddau arall."
        )
        expect(main).not_to_contain_text("easy to guess")
        expect(page.get_by_label("Eich enw")).to_have_value("Gwen Jones")
        expect(page.get_by_label("Dewiswch gyfrinair")).to_have_value("")
        checked.check("sign-up refusing a weak password, in Welsh")
        assert not User.objects.filter(email="gwen@example.org").exists()

        page.get_by_label("Dewiswch gyfrinair").fill("quiet-harbour-lantern-42")
        page.get_by_role("button", name="Creu cyfrif").click()
        page.wait_for_load_state("load")
        expect(page.get_by_role("heading", level=1)).not_to_have_text("Creu cyfrif")
        assert User.objects.filter(email="gwen@example.org").exists()
    finally:
        checked.close()

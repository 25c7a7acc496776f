"""Journey 5 (PRODUCT.md): the main carer is unwell. "I can't cover the next 48 hours" hands her
tasks back and goes to the ranked stand-ins with the emergency plan; a stand-in takes it. axe
checks every page on the way."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

from playwright.sync_api import Browser, expect

from carecircle.notifications.models import Delivery
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from carecircle.tasks.models import Assignment
from carecircle.tasks.rota_services import stand_ins_set
from carecircle.tasks.services import TaskFields, task_create, task_volunteer
from tests.browser.test_journey_2 import signed_in
from tests.cast import build_cast
from tests.tasks.conftest import circle_today


def test_journey_5_the_main_carer_cant_cover_and_a_stand_in_takes_over(server: str, browser: Browser) -> None:
    cast = build_cast()
    tomorrow = circle_today() + datetime.timedelta(days=1)
    lift = task_create(
        actor=cast.organiser,
        circle=cast.circle,
        fields=TaskFields(
            title="Lift to the eye clinic",
            start_date=tomorrow,
            start_time=datetime.time(10, 30),
            duration_minutes=120,
            time_zone="Europe/London",
            category="lift",
        ),
    )
    task_volunteer(actor=cast.organiser, task=lift, occurrence_date=tomorrow)
    stand_ins_set(actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk, cast.paid_carer.pk])
    entry_create(
        actor=cast.organiser,
        circle=cast.circle,
        section=SECTION_BY_KEY["emergency"],
        values={"if_main_carer_cant": "Call Tom first, then the agency for an extra visit."},
    )

    daughter = signed_in(browser, server, cast.organiser)
    page = daughter.page
    page.goto(f"{server}/circles/{cast.circle.pk}/tasks/")
    daughter.check("calendar")
    page.get_by_role("link", name="I can't cover").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("I can't cover for a while")
    daughter.check("I can't cover")
    page.get_by_label("Anything to tell the stand-ins").fill("I have flu, sorry.")
    page.get_by_role("button", name="I can't cover").click()
    expect(page.get_by_role("main")).to_contain_text("1 thing you were down for needs someone else")
    expect(page.get_by_role("main")).to_contain_text("to step in.")
    daughter.check("after I can't cover")

    # Both stand-ins were asked, with the task and the emergency plan.
    asks = {
        delivery.to: delivery.body for delivery in Delivery.objects.filter(idempotency_key__startswith="cant-cover-")
    }
    assert set(asks) == {cast.helper.email, cast.paid_carer.email}
    body = asks[cast.helper.email]
    assert "I have flu, sorry." in body
    links = re.findall(r"https?://\S+", body)
    task_link = next(link for link in links if f"/tasks/{lift.pk}/" in link)
    plan_link = next(link for link in links if link.rstrip("/").endswith("/record/emergency"))

    def local(link: str) -> str:
        parts = urlsplit(link)
        return f"{server}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    brother = signed_in(browser, server, cast.helper)
    brother.page.goto(local(plan_link))
    expect(brother.page.get_by_role("main")).to_contain_text("Call Tom first")
    brother.check("emergency plan from the email")
    brother.page.goto(local(task_link))
    brother.check("the task from the email")
    brother.page.get_by_role("button", name="I'll do it").click()
    expect(brother.page.locator(".messages[role=status]")).to_contain_text("You're down for")
    brother.check("taken")
    going = Assignment.objects.filter(task=lift, withdrawn_at__isnull=True).values_list("user_id", flat=True)
    assert list(going) == [cast.helper.pk]
    for context in (daughter.page.context, brother.page.context):
        context.close()

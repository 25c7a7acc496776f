"""The forms issue 9's new user met, in Chromium: "Done?" asks who went when nobody was down for it,
About me takes who Dad is (and refuses a wrong NHS number), and a PNG upload stays a PNG under its
name. The Django test client passing is not enough: a form can pass there and fail in a browser."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image
from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from carecircle.records.models import RecordDocument
from carecircle.tasks.models import Assignment, Category
from carecircle.tasks.services import TaskFields, task_create
from tests.browser.conftest import Checked, make_checked, sign_in
from tests.cast import build_cast


def signed_in(browser: Browser, server: str, user: User) -> Checked:
    context = browser.new_context()
    sign_in(context, server, user)
    return make_checked(context)


def test_marking_done_asks_who_went_and_about_me_names_dad(server: str, browser: Browser, tmp_path: Path) -> None:
    cast = build_cast()
    today = datetime.datetime.now(ZoneInfo("Europe/London")).date()
    visit = task_create(
        actor=cast.organiser,
        circle=cast.circle,
        fields=TaskFields(
            title="Pop in for a cup of tea",
            start_date=today,
            start_time=None,
            duration_minutes=24 * 60,
            time_zone="Europe/London",
            category=Category.VISIT,
        ),
    )
    daughter = signed_in(browser, server, cast.organiser)
    page = daughter.page

    # Nobody was down for today's visit: "Done?" asks who went, and puts them down for it.
    page.goto(f"{server}/circles/{cast.circle.pk}/tasks/{visit.pk}/?on={today.isoformat()}")
    daughter.check("a visit nobody was down for")
    page.get_by_label("Who went?").select_option(label=cast.helper.display_name)
    page.get_by_label("How did it go?").fill("They did the crossword.")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.locator(".message").first).to_contain_text("Marked as done")
    expect(page.get_by_role("main")).to_contain_text(f"{cast.helper.display_name} (1 needed)")
    daughter.check("the visit, done")
    assert Assignment.objects.get(task=visit).user == cast.helper

    # About me: who Dad is. A mistyped NHS number is refused with what to do, keeping the rest.
    page.goto(f"{server}/circles/{cast.circle.pk}/record/about/add/")
    page.get_by_label("My full name").fill("Arthur James Bennett")
    page.get_by_label("What I like to be called").fill("Arthur")
    page.get_by_label("My date of birth").fill("1941-03-09")
    page.get_by_label("My NHS number").fill("943 476 5918")
    page.get_by_label("My GP practice").fill("Riverside Surgery, Leeds")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("main")).to_contain_text("a digit is wrong")
    expect(page.get_by_label("My full name")).to_have_value("Arthur James Bennett")
    daughter.check("About me with a wrong NHS number")
    page.get_by_label("My NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message").first).to_contain_text("Saved")
    page.goto(f"{server}/circles/{cast.circle.pk}/record/summary/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Arthur James Bennett")
    expect(page.get_by_role("main")).to_contain_text("NHS number 943 476 5919")
    daughter.check("the summary names Dad")

    # A screenshot of a prescription stays a PNG, under the name it had.
    picture = tmp_path / "prescription.png"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(buffer, "PNG")
    picture.write_bytes(buffer.getvalue())
    page.goto(f"{server}/circles/{cast.circle.pk}/record/documents/add/")
    page.get_by_label("Title", exact=True).fill("Prescription")
    page.get_by_label("The file").set_input_files(picture)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("main")).to_contain_text("Download prescription.png")
    daughter.check("a PNG document")
    assert RecordDocument.objects.get().content_type == "image/png"
    page.context.close()

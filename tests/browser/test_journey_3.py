"""Journey 3 (PRODUCT.md): the GP practice nurse opens a time-limited link, reads the medication list
and allergies, prints the one-page summary; the family sees exactly who looked and when. On the way,
the organiser's open medications page updates live when a helper changes the record."""

from __future__ import annotations

import re

from django.conf import settings
from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery
from carecircle.records.models import RecordEntry
from carecircle.records.sections import SECTION_BY_KEY, SECTIONS
from carecircle.records.services import document_add, entry_create, entry_delete, share_link_create
from tests.browser.conftest import Checked, make_checked, sign_in
from tests.cast import Cast, build_cast, signed_in_session_key


def record_with_medicines() -> Cast:
    cast = build_cast()
    for section, values in [
        ("medications", {"name": "Metformin", "strength": "500 mg", "schedule": "twice a day with food"}),
        ("medications", {"name": "Amlodipine", "strength": "5 mg", "schedule": "every morning"}),
        ("allergies", {"substance": "Penicillin", "reaction": "Rash and swelling", "severity": "severe"}),
        ("contacts", {"name": "Riverside Surgery", "role": "gp", "phone": "+442079460000"}),
        ("emergency", {"stand_ins": "Raj (son), then Mrs Patel", "key_safe": "Key safe 4321"}),
    ]:
        entry_create(actor=cast.organiser, circle=cast.circle, section=SECTION_BY_KEY[section], values=values)
    return cast


def signed_in(browser: Browser, user: User, server: str) -> Checked:
    context = browser.new_context()
    sign_in(context, server, user)
    return make_checked(context)


def test_journey_3_a_nurse_reads_the_record_through_a_link_and_the_family_sees_who_looked(
    server: str, browser: Browser
) -> None:
    cast = record_with_medicines()

    # The daughter opens the record and makes a 24-hour link for the practice nurse.
    daughter = signed_in(browser, cast.organiser, server)
    page = daughter.page
    page.goto(f"{server}/circles/{cast.circle.pk}/")
    daughter.check("circle home with the record summary")
    page.get_by_role("link", name="Open the record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dad's record")
    daughter.check("the record")
    page.get_by_role("link", name="Share with a professional").click()
    daughter.check("share with a professional")
    page.get_by_label("Who is it for?").fill("Practice nurse, Riverside Surgery")
    for title in ("Health conditions", "Key contacts"):
        page.get_by_label(title, exact=True).uncheck()
    page.get_by_label("Allergies", exact=True).check()
    page.get_by_label("Medications", exact=True).check()
    page.get_by_label("24 hours").check()
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("is ready")
    daughter.check("link ready")
    link = page.get_by_label("The link").input_value()
    assert re.search(r"/shared/[\w-]+/$", link)

    # The nurse, without an account, reads the medication list and the allergies.
    nurse_context = browser.new_context()
    nurse = make_checked(nurse_context)
    nurse.page.goto(link)
    expect(nurse.page.get_by_role("heading", level=1)).to_have_text("Dad's care record")
    main = nurse.page.get_by_role("main")
    expect(main).to_contain_text("Metformin")
    expect(main).to_contain_text("Penicillin")
    expect(main).to_contain_text("Rash and swelling")
    expect(main).not_to_contain_text("Key safe 4321")
    expect(nurse.page.get_by_role("heading", name="Key contacts")).to_have_count(0)  # not shared
    expect(main.get_by_role("button")).to_have_count(0)
    nurse.check("the shared record")

    # She prints the one-page summary: in print, only the summary shows.
    nurse.page.get_by_role("link", name="The one-page summary").click()
    expect(nurse.page.get_by_role("heading", level=1)).to_contain_text("Dad")
    nurse.check("the one-page summary")
    nurse.page.emulate_media(media="print")
    expect(nurse.page.locator(".site-header")).to_be_hidden()
    expect(nurse.page.locator(".essentials")).to_contain_text("Amlodipine")
    nurse.page.emulate_media(media="screen")
    # The worker draws the PDF: "being prepared" first, then the page saves it by itself.
    nurse.page.get_by_role("link", name="Download as PDF").click()
    expect(nurse.page.get_by_role("heading", name="Your PDF is being prepared")).to_be_visible()
    nurse.check("the PDF being prepared")
    with nurse.page.expect_download(timeout=30_000) as download_info:
        pass
    pdf_path = download_info.value.path()
    assert pdf_path is not None
    with open(pdf_path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # The family sees exactly who looked, at what, and when.
    page.goto(f"{server}/circles/{cast.circle.pk}/record/who-looked/")
    daughter.check("who looked at the record")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(4)  # a header and three looks
    expect(page.get_by_role("table")).to_contain_text("Practice nurse, Riverside Surgery (link from Olivia Organiser)")
    expect(page.get_by_role("table")).to_contain_text("the one-page summary as PDF")
    expect(page.get_by_role("table")).to_contain_text("the shared record: Allergies, Medications")

    # Live: the daughter's open medications page shows a change a helper makes elsewhere.
    page.goto(f"{server}/circles/{cast.circle.pk}/record/medications/")
    daughter.check("medications")
    live = page.locator("[data-live-src]")
    expect(live).not_to_contain_text("Aspirin")
    son = signed_in(browser, cast.helper, server)
    son.page.goto(f"{server}/circles/{cast.circle.pk}/record/medications/add/")
    son.check("add a medication")
    son.page.get_by_label("Medicine").fill("Aspirin")
    son.page.get_by_label("Strength").fill("75 mg")
    son.page.get_by_role("button", name="Save").click()
    expect(son.page.locator(".message").first).to_contain_text("Saved")
    expect(live).to_contain_text("Aspirin", timeout=10_000)
    daughter.check("medications after a live update")

    # And the history says who changed what.
    son.page.get_by_role("link", name="Change Aspirin").click()
    son.check("change a medication")
    son.page.get_by_label("Dose").fill("1 tablet")
    son.page.get_by_role("button", name="Save").click()
    son.page.get_by_role("link", name="History and comments for Aspirin").click()
    expect(son.page.get_by_role("main")).to_contain_text("Changed by Helper")
    son.check("history and comments")
    # A comment under the entry, for everyone who reads it.
    son.page.get_by_label("Message").fill("The pharmacy changed the brand; same dose.")
    son.page.get_by_role("button", name="Add comment").click()
    expect(son.page.get_by_role("main")).to_contain_text("The pharmacy changed the brand; same dose.")

    # The safer way: a link that opens only with a code sent by text message. Wrong, then right.
    page.goto(f"{server}/circles/{cast.circle.pk}/record/sharing/")
    page.get_by_label("Who is it for?").fill("District nurse")
    page.get_by_label("Send a code by text message").check()
    page.get_by_label("Their email address or mobile number").fill("07700 900123")
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("is ready")
    coded_link = page.get_by_label("The link").input_value()
    sent = Delivery.objects.get(to="+447700900123").body
    code = re.search(r"\b(\d{6})\b", sent)
    assert code is not None
    district = make_checked(browser.new_context())
    district.page.goto(coded_link)
    expect(district.page.get_by_role("heading", level=1)).to_have_text("Enter the code you were sent")
    expect(district.page.get_by_role("main")).not_to_contain_text("Metformin")
    district.check("the code page")
    district.page.get_by_label("The code you were sent").fill("000000" if code.group(1) != "000000" else "111111")
    district.page.get_by_role("button", name="Open the record").click()
    expect(district.page.get_by_role("main")).to_contain_text("That code isn't right")
    district.check("a wrong code")
    district.page.get_by_label("The code you were sent").fill(code.group(1))
    district.page.get_by_role("button", name="Open the record").click()
    expect(district.page.get_by_role("heading", level=1)).to_have_text("Dad's care record")
    expect(district.page.get_by_role("main")).to_contain_text("Metformin")
    district.check("the shared record after the code")
    for context in (nurse_context, son.page.context, page.context, district.page.context):
        context.close()


def test_journey_3_works_without_javascript(server: str, no_js_page: Checked) -> None:
    cast = record_with_medicines()
    page = no_js_page.page
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session_key(cast.organiser), "url": server}
    page.context.add_cookies([cookie])  # type: ignore[list-item]
    page.goto(f"{server}/circles/{cast.circle.pk}/record/sharing/")
    page.get_by_label("Who is it for?").fill("Practice nurse")
    page.get_by_label("Key contacts", exact=True).uncheck()
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("is ready")
    no_js_page.check("link ready without JavaScript")
    link = page.get_by_label("The link").input_value()
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("main")).to_contain_text("Metformin")
    expect(page.get_by_role("main")).to_contain_text("Penicillin")
    no_js_page.check("the shared record without JavaScript")
    page.get_by_role("link", name="The one-page summary").click()
    expect(page.locator(".essentials")).to_contain_text("Amlodipine")
    no_js_page.check("the one-page summary without JavaScript")


def test_every_record_page_is_accessible_for_every_role(server: str, browser: Browser) -> None:
    cast = record_with_medicines()
    circle = cast.circle.pk
    metformin = RecordEntry.objects.get(section="medications", data__name="Metformin")
    document = document_add(
        actor=cast.organiser,
        circle=cast.circle,
        values={"title": "Discharge letter"},
        content=b"%PDF-1.4\n%%EOF\n",
        content_type="application/pdf",
        filename="letter.pdf",
    )
    entry_delete(actor=cast.organiser, entry=document)
    pages = [f"/circles/{circle}/record/", f"/circles/{circle}/record/summary/"]
    pages += [f"/circles/{circle}/record/{section.key}/" for section in SECTIONS]
    pages += [
        f"/circles/{circle}/record/medications/add/",
        f"/circles/{circle}/record/documents/add/",
        f"/circles/{circle}/record/medications/{metformin.pk}/edit/",
        f"/circles/{circle}/record/medications/{metformin.pk}/history/",
        f"/circles/{circle}/record/sharing/",
        f"/circles/{circle}/record/who-looked/",
        f"/circles/{circle}/record/export/",
    ]
    for name in ("organiser", "helper", "professional", "well_wisher"):
        checked = signed_in(browser, cast.user(name), server)
        for path in pages:
            checked.page.goto(server + path)
            checked.check(f"{path} as {name}")
        checked.page.context.close()

    # Two people change the same medicine: the second sees both versions and chooses.
    daughter = signed_in(browser, cast.organiser, server)
    son = signed_in(browser, cast.helper, server)
    edit = f"{server}/circles/{circle}/record/medications/{metformin.pk}/edit/"
    daughter.page.goto(edit)
    son.page.goto(edit)
    son.page.get_by_label("Dose").fill("2 tablets")
    son.page.get_by_role("button", name="Save").click()
    daughter.page.get_by_label("Dose").fill("1 tablet")
    daughter.page.get_by_role("button", name="Save").click()
    expect(daughter.page.get_by_role("heading", level=1)).to_have_text(
        "Someone else changed this while you were editing"
    )
    expect(daughter.page.get_by_role("table")).to_contain_text("2 tablets")
    expect(daughter.page.get_by_role("table")).to_contain_text("1 tablet")
    daughter.check("two changes at once")
    daughter.page.get_by_role("button", name="Save my version").click()
    expect(daughter.page.locator(".message").first).to_contain_text("Saved")
    metformin.refresh_from_db()
    assert metformin.data["dose"] == "1 tablet"
    assert metformin.version == 3

    # A link's pages, and its code page, for someone without an account.
    _, token = share_link_create(
        actor=cast.organiser,
        circle=cast.circle,
        recipient="Nurse",
        sections=["medications"],
        hours=24,
        code_channel="sms",
        code_to="+447700900123",
    )
    visitor = make_checked(browser.new_context())
    for path in (f"/shared/{token}/", "/shared/not-a-real-link/"):
        visitor.page.goto(server + path)
        visitor.check(path)
    daughter.page.context.close()
    son.page.context.close()
    visitor.page.context.close()

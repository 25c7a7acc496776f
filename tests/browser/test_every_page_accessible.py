"""axe-core finds nothing on any page, signed in as every member of the cast (BUDGETS.md), including
the pages that say "you can't do that" or "not found"."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser

from carecircle.accounts.models import User
from carecircle.circles.services import invitation_create
from carecircle.notifications.preferences import mute_token, unsubscribe_token
from tests.browser.conftest import make_checked
from tests.cast import CAST_NAMES, Cast, build_cast, signed_in_session_key
from tests.tasks.conftest import make_task


def session_cookie(user: User, base_url: str) -> dict[str, str]:
    return {"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session_key(user), "url": base_url}


def task_pages(cast: Cast) -> list[str]:
    """The calendar and one task's pages, with a task that has an address and details."""
    task = make_task(
        actor=cast.organiser, circle=cast.circle, address="St Mary's Hospital", details={"destination": "Ward 4"}
    )
    circle = {"circle_id": cast.circle.pk}
    one = {"circle_id": cast.circle.pk, "task_id": task.pk}
    on = f"?on={task.start_date}"
    names = ["agenda", "needs_help", "week", "month", "rota", "create", "away", "stand_ins", "offers"]
    return [reverse(f"tasks:{name}", kwargs=circle) for name in names] + [
        reverse(f"tasks:{name}", kwargs=one) + on for name in ("detail", "edit", "cancel", "visit_log")
    ]


def test_every_page_is_accessible_for_every_role(server: str, browser: Browser) -> None:
    cast = build_cast()
    circle = cast.circle.pk
    member = cast.membership("helper").pk
    _, token = invitation_create(actor=cast.organiser, circle=cast.circle, role="helper", channel="link")
    circle_pages = [
        reverse("circles:home", kwargs={"circle_id": circle}),
        reverse("circles:members", kwargs={"circle_id": circle}),
        reverse("circles:invite", kwargs={"circle_id": circle}),
        reverse("circles:consent", kwargs={"circle_id": circle}),
        reverse("audit:circle_log", kwargs={"circle_id": circle}),
        reverse("circles:edit", kwargs={"circle_id": circle}),
        reverse("circles:leave", kwargs={"circle_id": circle}),
        reverse("circles:member_edit", kwargs={"circle_id": circle, "member_id": member}),
        reverse("circles:member_remove", kwargs={"circle_id": circle, "member_id": member}),
        reverse("circles:close", kwargs={"circle_id": circle}),
        *task_pages(cast),
    ]
    account_pages = [
        reverse("circles:list"),
        reverse("circles:create"),
        reverse("accounts:profile"),
        # Choosing another time zone: the regions, one region's countries, one country's zones.
        reverse("accounts:time_zone_regions"),
        reverse("accounts:time_zone_region", kwargs={"region": "europe"}),
        reverse("accounts:time_zone_country", kwargs={"country": "GB"}),
        reverse("accounts:time_zone_country", kwargs={"country": "US"}),
        reverse("accounts:sessions"),
        reverse("accounts:tokens"),
        reverse("accounts:password_change"),
        reverse("accounts:security"),
        reverse("accounts:totp_setup"),
        reverse("accounts:passkey_add"),
        reverse("accounts:step_up"),
        reverse("accounts:your_data"),
        reverse("accounts:delete"),
        reverse("tasks:mine"),
        reverse("tasks:feeds"),
        reverse("notifications:list"),
        reverse("notifications:preferences"),
        reverse("notifications:preferences_when"),
        reverse("notifications:preferences_push"),
        reverse("notifications:preferences_kinds"),
    ]
    for name in CAST_NAMES:
        context = browser.new_context()
        context.add_cookies([session_cookie(cast.user(name), server)])  # type: ignore[list-item]
        checked = make_checked(context)
        pages = circle_pages + (account_pages if name in ("organiser", "outsider") else [])
        for path in pages:
            checked.page.goto(server + path)
            checked.check(f"{path} as {name}")
        context.close()

    public = browser.new_context()
    checked = make_checked(public)
    for path in [
        reverse("web:home"),
        reverse("web:accessibility"),
        reverse("accounts:login"),
        reverse("accounts:signup"),
        reverse("accounts:password_reset"),
        reverse("circles:invitation", kwargs={"token": token}),
        reverse("circles:invitation", kwargs={"token": "not-a-real-invitation"}),
        reverse(
            "notifications:stop_emails", kwargs={"token": unsubscribe_token(user_id=cast.helper.pk, category="news")}
        ),
        reverse("notifications:mute", kwargs={"token": mute_token(user_id=cast.helper.pk, conversation_id=1)}),
        reverse("notifications:stop_emails", kwargs={"token": "not-a-real-token"}),
        "/no-such-page/",
    ]:
        checked.page.goto(server + path)
        checked.check(f"{path} signed out")
    public.close()

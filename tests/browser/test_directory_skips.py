"""An organisation admin reading in Welsh, with JavaScript off, sees which directory services were skipped and why."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, expect

from carecircle.orgs.jobs import directory_refresh
from carecircle.orgs.models import OrganisationStaff, StaffRole
from carecircle.orgs.services import organisation_staff_add
from tests.browser.conftest import signed_in_without_javascript
from tests.cast import build_cast
from tests.orgs.conftest import quick_user
from tests.orgs.test_directory import _Handler, feed, local_server, service
from tests.servers import running_server

__all__ = ["local_server"]  # the fixture, shared with tests/orgs/test_directory.py


def test_a_welsh_admin_reads_the_skipped_services_in_welsh(
    transactional_db: None, browser: Browser, local_server: tuple[str, type[_Handler]], settings: Any
) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    admin = quick_user("admin@example.org", "Ada Admin")
    admin.language = "cy"
    admin.save(update_fields=["language"])
    organisation_staff_add(actor=None, organisation=organisation, user=admin, role=StaffRole.ADMIN)
    url, handler = local_server
    settings.ORGS_DIRECTORY_URL = url
    handler.body = feed(service(1), service(2, name=""), service(3, email="not an address"))
    directory_refresh(url=url)

    # The server reads the directory's address from its environment, like a deployment.
    with running_server(env={"ORGS_DIRECTORY_URL": url}) as server:
        _read_in_welsh(browser, server, admin, organisation.pk)


def _read_in_welsh(browser: Browser, server: str, admin: Any, organisation_id: int) -> None:
    staff = signed_in_without_javascript(browser, server, admin)
    staff.page.goto(f"{server}/organisations/{organisation_id}/")
    notice = staff.page.get_by_role("status").filter(has_text="Gofynnwch i bwy bynnag")
    expect(notice).to_contain_text("2 gwasanaeth")
    expect(notice.get_by_role("listitem")).to_have_text(
        [
            'Gwasanaeth 2 (svc-2): nid oes ganddo "name".',
            "Gwasanaeth 3 (svc-3): nid yw ei \"email\" 'not an address' yn gyfeiriad e-bost dilys.",
        ]
    )
    staff.check("the organisation's home with skipped directory services, in Welsh")
    staff.close()

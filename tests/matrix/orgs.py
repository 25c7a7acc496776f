"""Matrix rows for organisations: their pages, staff, referrals, intake and reports.

The cast's org_staff is a coordinator of "Riverside Volunteers"; no one in the cast is an admin or a
commissioner, so the admin-only and commissioner rows show 403 and 404 here, and tests/orgs walks
them for admins, volunteers, other organisations' staff and commissioners.
"""

from __future__ import annotations

import datetime
import io
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from carecircle.accounts.services import user_verify_email
from carecircle.lib.tokens import secret_hash
from carecircle.lib.uploads import CleanUpload
from carecircle.orgs.access import access_organisation
from carecircle.orgs.closed_loop import status_token
from carecircle.orgs.follow_ups import attachment_add, follow_up_add, uk_today
from carecircle.orgs.invite_codes import invite_code_create
from carecircle.orgs.models import (
    CircleLinkRequest,
    DirectoryService,
    FollowUp,
    InviteCode,
    OrganisationStaff,
    Referral,
    ReferralAttachment,
    Signposting,
    SupportOffer,
)
from carecircle.orgs.referral_services import ReferralInput, referral_create
from carecircle.orgs.services import staff_invitation_create
from carecircle.orgs.signposting import referral_signpost
from tests.matrix.base import World, Write

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
WEB: dict[tuple[str, str], str] = {
    ("orgs:list", "GET"): "200 200 200 200 200 200 200 200 302",
    ("orgs:list", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:home", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:home", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:staff", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:staff", "POST"): "404 404 404 404 404 404 403 404 302",
    ("orgs:staff_role", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:staff_role", "POST"): "404 404 404 404 404 404 403 404 302",
    ("orgs:staff_remove", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:staff_remove", "POST"): "404 404 404 404 404 404 403 404 302",
    ("orgs:staff_join", "GET"): "200 200 200 200 200 200 200 200 302",
    ("orgs:staff_join", "POST"): "302 302 302 302 302 302 302 302 302",
    ("orgs:referrals", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:referrals", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_board", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:referral_board", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_new", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:referral_new", "POST"): "404 404 404 404 404 404 400 404 302",
    ("orgs:referral", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:referral", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_move", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_move", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_assign", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_assign", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_note", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_note", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_contact", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_contact", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_merge", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_merge", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_wellbeing", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_wellbeing", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_circle", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_circle", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_circle_end", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_circle_end", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_import", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:referral_import", "POST"): "404 404 404 404 404 404 400 404 302",
    # The public referral form: anyone; a post without the form's signed stamp is shown again (400).
    ("orgs:refer", "GET"): "200 200 200 200 200 200 200 200 200",
    ("orgs:refer", "POST"): "400 400 400 400 400 400 400 400 400",
    ("orgs:refer_sent", "GET"): "200 200 200 200 200 200 200 200 200",
    ("orgs:refer_sent", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:reports", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:reports", "POST"): "405 405 405 405 405 405 405 405 405",
    # The referrer's private status page: a signed link, for anyone who has it.
    ("orgs:referral_status", "GET"): "200 200 200 200 200 200 200 200 200",
    ("orgs:referral_status", "POST"): "405 405 405 405 405 405 405 405 405",
    # Find local support: every member of a circle and organisation staff (the whole cast is one or other).
    ("orgs:find_support", "GET"): "200 200 200 200 200 200 200 200 302",
    ("orgs:find_support", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_signpost", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_signpost", "POST"): "404 404 404 404 404 404 302 404 302",
    # Whether they used a service they were sent to: staff who can see the referral (a form post).
    ("orgs:signposting_use", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:signposting_use", "POST"): "404 404 404 404 404 404 302 404 302",
    # The private offer of support: answered only by members it can be offered to, for themselves.
    ("orgs:support_offer", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:support_offer", "POST"): "403 302 302 403 403 403 404 404 302",
    ("orgs:referral_follow_up", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_follow_up", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_follow_up_done", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_follow_up_done", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_attach", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_attach", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:referral_attachment", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:referral_attachment", "POST"): "405 405 405 405 405 405 405 405 405",
    # The branded page is for admins (the cast's org_staff is a coordinator); codes for coordinators too.
    ("orgs:page", "GET"): "404 404 404 404 404 404 403 404 302",
    ("orgs:page", "POST"): "404 404 404 404 404 404 403 404 302",
    ("orgs:invite_codes", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:invite_codes", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:invite_code_revoke", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:invite_code_revoke", "POST"): "404 404 404 404 404 404 302 404 302",
    # The organisation's public page and logo; entering no code is refused (400).
    ("orgs:landing", "GET"): "200 200 200 200 200 200 200 200 200",
    ("orgs:landing", "POST"): "400 400 400 400 400 400 400 400 400",
    ("orgs:logo", "GET"): "200 200 200 200 200 200 200 200 200",
    ("orgs:logo", "POST"): "405 405 405 405 405 405 405 405 405",
    # Without a code entered first, starting a circle sends people back to the page (or to sign in).
    ("orgs:start_with_code", "GET"): "302 302 302 302 302 302 302 302 302",
    ("orgs:start_with_code", "POST"): "302 302 302 302 302 302 302 302 302",
    # The organisation's requests waiting for a family's answer: coordinators and admins; withdrawing one.
    ("orgs:circle_link_requests", "GET"): "404 404 404 404 404 404 200 404 302",
    ("orgs:circle_link_requests", "POST"): "405 405 405 405 405 405 405 405 405",
    ("orgs:circle_link_withdraw", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:circle_link_withdraw", "POST"): "404 404 404 404 404 404 302 404 302",
    # Linking the family's own circle: staff ask (no consent ticked here: told so, nothing sent);
    # whoever has the emailed link sees the request, and must choose one of their own circles (400).
    ("orgs:referral_circle_link", "GET"): "405 405 405 405 405 405 405 405 405",
    ("orgs:referral_circle_link", "POST"): "404 404 404 404 404 404 302 404 302",
    ("orgs:circle_link_answer", "GET"): "200 200 200 200 200 200 200 200 302",
    ("orgs:circle_link_answer", "POST"): "400 400 400 400 400 400 400 400 302",
    # The same request in the app, by id: only the account whose confirmed address was asked (the
    # organiser here; saying no is the write); anyone else 404.
    ("orgs:circle_link_open", "GET"): "404 200 404 404 404 404 404 404 302",
    ("orgs:circle_link_open", "POST"): "404 302 404 404 404 404 404 404 302",
    ("orgs:commissioning", "GET"): "404 404 404 404 404 404 404 404 302",
    ("orgs:commissioning", "POST"): "405 405 405 405 405 405 405 405 405",
}

# API: 401 without credentials; anyone not on the organisation's staff 404.
API: dict[tuple[str, str], str] = {
    ("org_referral_create", "POST"): "404 404 404 404 404 404 201 404 401",
    ("org_referral_list", "GET"): "404 404 404 404 404 404 200 404 401",
    ("org_referral_get", "GET"): "404 404 404 404 404 404 200 404 401",
    # Where a referral's person was sent, and whether they used it: whoever may work on the referral.
    ("org_signposting_list", "GET"): "404 404 404 404 404 404 200 404 401",
    ("org_signposting_create", "POST"): "404 404 404 404 404 404 201 404 401",
    ("org_signposting_use_record", "PUT"): "404 404 404 404 404 404 200 404 401",
    ("org_invite_code_list", "GET"): "404 404 404 404 404 404 200 404 401",
    ("org_invite_code_create", "POST"): "404 404 404 404 404 404 201 404 401",
    ("org_invite_code_stop", "POST"): "404 404 404 404 404 404 200 404 401",
    # Reports: coordinators and admins (volunteers 403, tests/orgs/test_report_api.py); commissioners only.
    ("org_report_get", "GET"): "404 404 404 404 404 404 200 404 401",
    ("commissioning_report_get", "GET"): "404 404 404 404 404 404 404 404 401",
}
API_BODIES: dict[str, Any] = {
    "org_signposting_create": lambda world: {"service_id": world.extra["service_id"]},
    "org_signposting_use_record": lambda world: {"use": "used", "used_on": uk_today().isoformat()},
    "org_invite_code_create": {"label": "Surgery leaflet", "max_uses": 10, "valid_days": 30},
    "org_referral_create": {
        "person_name": "Mary Jones",
        "consent_given_by": "person",
        "consent_to": "Being contacted",
        "needs": ["shopping"],
    },
}


def prepare(world: World) -> dict[str, Any]:
    staff = OrganisationStaff.objects.get(user=world.cast.org_staff)
    admin = OrganisationStaff.objects.create(organisation=staff.organisation, user=world.cast.outsider, role="admin")
    _, token = staff_invitation_create(
        actor=admin.user, organisation=staff.organisation, email="new.volunteer@example.org", role="volunteer"
    )
    admin.delete()
    referral, _ = referral_create(
        actor=None,
        organisation=staff.organisation,
        data=ReferralInput(person_name="Mary Jones", consent_given_by="person", consent_to="Being contacted"),
        via="in the matrix",
    )
    service = DirectoryService.objects.create(external_id="matrix-1", name="Lunch club", needs=" loneliness ")
    access = access_organisation(user=world.cast.org_staff, organisation_id=staff.organisation_id)
    other_service = DirectoryService.objects.create(external_id="matrix-2", name="Carers centre", needs=" carer ")
    signposted, _ = referral_signpost(access=access, referral=referral, service=other_service, for_carer=True)
    follow_up, _ = follow_up_add(access=access, referral=referral, text="Ring back", due_on=uk_today(), assignee=None)
    pdf = CleanUpload(content=b"%PDF-1.4\n%%EOF\n", content_type="application/pdf", filename="letter.pdf")
    attachment, _ = attachment_add(access=access, referral=referral, upload=pdf)
    staff.organisation.logo.save("logo.png", ContentFile(tiny_png()), save=True)
    invite_code, _ = invite_code_create(access=access, label="Leaflet", max_uses=5, valid_days=30)
    link_request = CircleLinkRequest.objects.create(
        referral=referral,
        email="family@example.org",
        token_hash=secret_hash("matrix-circle-link"),
        requested_by=world.cast.org_staff,
        expires_at=timezone.now() + datetime.timedelta(days=14),
    )
    # Asked of the organiser's own confirmed address, for the in-app answer.
    user_verify_email(user=world.cast.organiser)
    family_referral, _ = referral_create(
        actor=None,
        organisation=staff.organisation,
        data=ReferralInput(person_name="Tom Jones", consent_given_by="person", consent_to="Being contacted"),
        via="in the matrix",
    )
    family_request = CircleLinkRequest.objects.create(
        referral=family_referral,
        email=world.cast.organiser.email,
        token_hash=secret_hash("matrix-circle-link-for-the-family"),
        requested_by=world.cast.org_staff,
        expires_at=timezone.now() + datetime.timedelta(days=14),
    )
    return {
        "family_link_request_id": family_request.pk,
        "circle_link_token": "matrix-circle-link",
        "link_request_id": link_request.pk,
        "code_id": invite_code.pk,
        "follow_up_id": follow_up.pk,
        "attachment_id": attachment.pk,
        "service_id": service.pk,
        "signposting_id": signposted.pk,
        "organisation_id": staff.organisation_id,
        "staff_id": staff.pk,
        "staff_token": token,
        "referral_id": referral.pk,
        "organisation_slug": staff.organisation.slug,
    }


def url(world: World, name: str) -> str | None:
    if name == "orgs:referral_status":
        referral = Referral.objects.get(pk=world.extra["referral_id"])
        return reverse(name, kwargs={"token": status_token(referral)})
    if name == "orgs:circle_link_answer":
        return reverse(name, kwargs={"token": world.extra["circle_link_token"]})
    if name == "orgs:circle_link_open":
        return reverse(name, kwargs={"link_request_id": world.extra["family_link_request_id"]})
    if name == "orgs:staff_join":
        return reverse(name, kwargs={"token": world.extra["staff_token"]})
    return None


# Organisation rows are used only by organisation staff, whom the matrix's nine circle roles don't
# include; each form is posted and its write checked in the tests named here.
_PIPELINE = "tests/orgs/test_referrals.py (the whole pipeline by plain form posts)"
NO_WRITE: dict[str, str] = {
    "orgs:refer": "the public referral form; tests/orgs/test_intake.py",
    "orgs:referral_new": "staff entry; tests/orgs/test_referrals.py and tests/browser/test_journey_6.py",
    "orgs:referral_move": _PIPELINE,
    "orgs:referral_assign": _PIPELINE,
    "orgs:referral_contact": _PIPELINE,
    "orgs:referral_note": _PIPELINE,
    "orgs:referral_merge": "tests/orgs/test_referrals.py (duplicates merged keeping both histories)",
    "orgs:referral_import": "tests/orgs/test_intake.py (CSV import, row by row)",
    "orgs:referral_wellbeing": "tests/orgs/test_wellbeing.py",
    "orgs:referral_circle": "tests/orgs/test_bridge.py",
    "orgs:referral_circle_end": "tests/orgs/test_bridge.py",
    "orgs:staff_join": "needs an invitation email's signed token; tests/orgs/test_staff.py",
    "orgs:referral_circle_link": "needs an accepted referral and consent; tests/orgs/test_circle_links.py",
    "orgs:circle_link_answer": "needs a chosen circle; tests/orgs/test_circle_links.py",
    "orgs:circle_link_withdraw": "tests/orgs/test_circle_link_requests.py (withdrawn, its link stops working)",
    "orgs:landing": "a code only goes into the session; tests/orgs/test_invite_codes.py",
    "orgs:start_with_code": "needs a code entered first; tests/orgs/test_invite_codes.py",
}


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 2), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def _pdf(world: World) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n"), "client_id": str(uuid.uuid4())}


WRITES: dict[str, Write] = {
    "orgs:referral_follow_up": Write(
        form=lambda world: {"text": "Ring back", "due_on": uk_today().isoformat()},
        changes=lambda world: FollowUp.objects.filter(referral_id=world.extra["referral_id"]).count(),
    ),
    "orgs:referral_follow_up_done": Write(
        form={},
        changes=lambda world: FollowUp.objects.filter(done_at__isnull=False).count(),
    ),
    "orgs:referral_attach": Write(
        form=_pdf,
        changes=lambda world: ReferralAttachment.objects.filter(referral_id=world.extra["referral_id"]).count(),
    ),
    "orgs:invite_codes": Write(
        form={"label": "Surgery leaflet", "max_uses": 10, "valid_days": 30},
        changes=lambda world: InviteCode.objects.count(),
    ),
    "orgs:invite_code_revoke": Write(
        form={},
        changes=lambda world: InviteCode.objects.filter(revoked_at__isnull=False).count(),
    ),
    "orgs:circle_link_open": Write(
        form={"answer": "no"},
        changes=lambda world: CircleLinkRequest.objects.get(pk=world.extra["family_link_request_id"]).status,
    ),
    "orgs:support_offer": Write(
        form={"answer": "later"},
        changes=lambda world: SupportOffer.objects.filter(later_until__isnull=False).count(),
    ),
    "orgs:signposting_use": Write(
        form=lambda world: {"use": "used", "used_on": uk_today().isoformat()},
        changes=lambda world: Signposting.objects.get(pk=world.extra["signposting_id"]).use,
    ),
    "orgs:referral_signpost": Write(
        form=lambda world: {"service": world.extra["service_id"]},
        changes=lambda world: Signposting.objects.filter(referral_id=world.extra["referral_id"]).count(),
    ),
}

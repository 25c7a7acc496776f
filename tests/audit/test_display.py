"""Every action the circle services write reads as a plain sentence."""

import datetime
import io
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from carecircle.audit.display import entry_sentence, when_text
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle, InvitationChannel, Role
from carecircle.circles.services import (
    circle_photo_update,
    circle_update,
    consent_update,
    invitation_create,
    invitation_revoke,
    membership_add_directly,
    membership_change,
    membership_remove,
)
from tests.cast import make_user


def _latest(circle: Circle, action: str) -> str:
    return entry_sentence(AuditEntry.objects.filter(circle=circle, action=action).latest("id"))


def test_starting_a_circle(cast):
    assert _latest(cast.circle, "circle.created") == "Olivia Organiser started the circle for Dad"


def test_changing_the_circles_details(cast, organiser):
    circle_update(actor=organiser, circle=cast.circle, person_name="Father", person_date_of_birth=None)
    assert _latest(cast.circle, "circle.updated") == "Olivia Organiser changed the name from Dad to Father"
    circle_update(
        actor=organiser, circle=cast.circle, person_name="Father", person_date_of_birth=datetime.date(1940, 1, 2)
    )
    assert _latest(cast.circle, "circle.updated") == "Olivia Organiser changed the date of birth"


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_adding_changing_and_removing_the_photo(cast, organiser):
    circle_photo_update(actor=organiser, circle=cast.circle, photo=_jpeg())
    assert _latest(cast.circle, "circle.photo_changed") == "Olivia Organiser added a photo"
    circle_photo_update(actor=organiser, circle=cast.circle, photo=_jpeg())
    assert _latest(cast.circle, "circle.photo_changed") == "Olivia Organiser changed the photo"
    circle_photo_update(actor=organiser, circle=cast.circle, photo=None)
    assert _latest(cast.circle, "circle.photo_changed") == "Olivia Organiser removed the photo"


def test_adding_a_member_directly(cast, organiser):
    newcomer = make_user("priya", display_name="Priya")
    membership_add_directly(actor=organiser, circle=cast.circle, user=newcomer, role=Role.PAID_CARER)
    assert _latest(cast.circle, "member.added") == "Olivia Organiser added Priya as a paid carer"


def test_changing_a_role_and_a_relationship(cast, organiser):
    member = cast.membership("helper")
    membership_change(actor=organiser, member=member, role=Role.ORGANISER, relationship="eldest son")
    assert _latest(cast.circle, "member.role_changed") == (
        'Olivia Organiser changed Helper\'s role from helper to organiser and their relationship from "son" to '
        '"eldest son"'
    )


def test_changing_only_a_relationship(cast, organiser):
    membership_change(actor=organiser, member=cast.membership("well_wisher"), relationship="great-aunt")
    assert _latest(cast.circle, "member.relationship_changed") == (
        'Olivia Organiser changed Well Wisher\'s relationship from "aunt" to "great-aunt"'
    )
    membership_change(actor=organiser, member=cast.membership("person"), relationship="dad")
    assert _latest(cast.circle, "member.relationship_changed") == 'Olivia Organiser set Person\'s relationship to "dad"'


def test_removing_and_leaving(cast, organiser, helper):
    membership_remove(actor=organiser, member=cast.membership("well_wisher"))
    assert _latest(cast.circle, "member.removed") == "Olivia Organiser removed Well Wisher from the circle"
    membership_remove(actor=helper, member=cast.membership("helper"))
    assert _latest(cast.circle, "member.left") == "Helper left the circle"


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (InvitationChannel.EMAIL, "Olivia Organiser invited Priya as a helper by email"),
        (InvitationChannel.SMS, "Olivia Organiser invited Priya as a helper by text message"),
        (InvitationChannel.LINK, "Olivia Organiser made a shareable link for Priya to join as a helper"),
    ],
)
def test_inviting_someone_by_name(cast, organiser, channel, expected):
    invitation_create(
        actor=organiser,
        circle=cast.circle,
        role=Role.HELPER,
        channel=channel,
        name="Priya",
        email="priya@example.org",
        phone="+447911123456",
    )
    assert _latest(cast.circle, "invitation.created") == expected


def test_making_and_cancelling_a_shareable_link(cast, organiser):
    invitation, _ = invitation_create(
        actor=organiser, circle=cast.circle, role=Role.WELL_WISHER, channel=InvitationChannel.LINK
    )
    assert (
        _latest(cast.circle, "invitation.created") == "Olivia Organiser made a shareable link to join as a well-wisher"
    )
    invitation_revoke(actor=organiser, invitation=invitation)
    assert _latest(cast.circle, "invitation.revoked") == (
        "Olivia Organiser cancelled a shareable link to join as a well-wisher"
    )


def test_cancelling_an_invitation_by_name(cast, organiser):
    invitation, _ = invitation_create(
        actor=organiser, circle=cast.circle, role=Role.HELPER, channel=InvitationChannel.EMAIL, email="p@example.org"
    )
    invitation_revoke(actor=organiser, invitation=invitation)
    assert _latest(cast.circle, "invitation.revoked") == (
        "Olivia Organiser cancelled the invitation for p@example.org to join as a helper"
    )


def test_joining_through_an_invitation(cast):
    sentences = [entry_sentence(e) for e in AuditEntry.objects.filter(circle=cast.circle, action="invitation.accepted")]
    assert "Helper joined as a helper, invited by Olivia Organiser" in sentences
    assert "Person joined as the person being helped, invited by Olivia Organiser" in sentences


def test_changing_who_sees_what(cast, person):
    grants = dict(cast.circle.consent)
    grants["well_wisher"] = [*grants["well_wisher"], "members.view", "tasks.volunteer"]
    grants["helper"] = [key for key in grants["helper"] if key != "members.contact"]
    consent_update(actor=person, circle=cast.circle, grants=grants)
    assert _latest(cast.circle, "consent.changed") == (
        "Person changed who can see what: helpers can no longer see members' email addresses and phone numbers; "
        "well-wishers can now see who else is in the circle and volunteer for help that's needed"
    )


def test_an_action_without_a_sentence_still_reads_sensibly():
    entry = AuditEntry(action="tasks.archived", actor_name="Sam", subject_name="Lift to hospital")
    assert entry_sentence(entry) == "Sam made a change: tasks.archived (Lift to hospital)"


def test_data_in_an_unexpected_shape_falls_back_instead_of_failing():
    entry = AuditEntry(action="consent.changed", actor_name="Sam", data={"changes": ["not", "a", "dict"]})
    assert entry_sentence(entry) == "Sam made a change: consent.changed"


def test_a_deleted_account_is_someone():
    entry = AuditEntry(action="member.left", actor_name="")
    assert entry_sentence(entry) == "Someone left the circle"


def test_times_read_like_tue_12_mar_in_the_viewers_time_zone():
    moment = datetime.datetime(2024, 3, 12, 10, 30, tzinfo=datetime.UTC)
    now = datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        assert when_text(moment, now=now) == "Tue 12 Mar, 10:30"
    with timezone.override(zoneinfo.ZoneInfo("Asia/Kolkata")):
        assert when_text(moment, now=now) == "Tue 12 Mar, 16:00"
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        assert when_text(moment, now=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)) == "Tue 12 Mar 2024, 10:30"

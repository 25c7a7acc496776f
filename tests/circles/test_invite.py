import re
import uuid

from django.core import mail
from django.urls import reverse

from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Invitation, InvitationChannel, Membership, Role
from carecircle.circles.services import consent_update
from carecircle.lib.tokens import secret_hash
from carecircle.notifications.models import Channel, OutboxMessage
from tests.cast import Cast
from tests.circles.conftest import quick_user, text_of


def _invite(cast: Cast) -> str:
    return reverse("circles:invite", args=[cast.circle.pk])


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "role": Role.HELPER,
        "name": "Priya",
        "relationship": "neighbour",
        "channel": InvitationChannel.EMAIL,
        "email": "priya@example.org",
        "phone": "",
        "note": "It would mean a lot to Dad.",
        "expires_in_days": "14",
        "client_id": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_the_invite_form_explains_each_role_and_offers_three_ways(cast, as_user, organiser):
    page = text_of(as_user(organiser).get(_invite(cast)))
    assert "<h1>Invite someone to help Dad</h1>" in page
    assert "The wider circle: reads updates and sends messages of support." in page
    assert "<legend>How should the invitation reach them?</legend>" in page
    for label in ("Email", "Text message", "Shareable link"):
        assert f">{label}</label>" in page
    assert 'name="expires_in_days" value="14"' in page
    assert re.search(r'name="client_id" value="[0-9a-f-]{36}"', page)
    # The person being helped is already in this circle, so nobody can be invited as them.
    assert '<option value="person"' not in page


def test_inviting_by_email_sends_a_message_that_says_who_why_and_what(
    cast, as_user, organiser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(organiser).post(_invite(cast), _form(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("circles:members", args=[cast.circle.pk])
    assert "We're sending an email to priya@example.org." in text_of(response)
    # Only the invitation goes out (the cast joining told the organiser earlier).
    [message] = [message for message in mail.outbox if message.to == ["priya@example.org"]]
    assert "Olivia Organiser" in message.subject
    assert "Dad" in message.subject
    assert "CareCircle is a free, private website" in message.body
    assert "It would mean a lot to Dad." in message.body
    assert "/join/" in message.body
    invitation = Invitation.objects.get(email="priya@example.org")
    assert (invitation.role, invitation.relationship, invitation.name) == (Role.HELPER, "neighbour", "Priya")


def test_submitting_the_same_invitation_twice_sends_one_email(
    cast, as_user, organiser, django_capture_on_commit_callbacks
):
    data = _form()
    client = as_user(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_invite(cast), data)
        client.post(_invite(cast), data)
    assert len([message for message in mail.outbox if message.to == ["priya@example.org"]]) == 1
    assert Invitation.objects.filter(email="priya@example.org").count() == 1


def test_inviting_by_text_message_normalises_a_uk_mobile(cast, as_user, organiser, django_capture_on_commit_callbacks):
    data = _form(channel=InvitationChannel.SMS, email="", phone="07911 123456")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(organiser).post(_invite(cast), data, follow=True)
    assert "We're sending a text message to +447911123456." in text_of(response)
    text = OutboxMessage.objects.get(channel=Channel.SMS)
    assert text.to == "+447911123456"
    assert "Olivia Organiser invites you to help look after Dad" in text.body
    assert Invitation.objects.get(channel=InvitationChannel.SMS).phone == "+447911123456"


def test_a_landline_or_nonsense_number_is_explained(cast, as_user, organiser):
    landline = as_user(organiser).post(_invite(cast), _form(channel=InvitationChannel.SMS, phone="020 7946 0018"))
    assert landline.status_code == 400
    assert "That looks like a landline. Text messages need a mobile number." in text_of(landline)
    nonsense = as_user(organiser).post(_invite(cast), _form(channel=InvitationChannel.SMS, phone="call me"))
    assert nonsense.status_code == 400
    assert "Enter a mobile number" in text_of(nonsense)
    assert not Invitation.objects.filter(channel=InvitationChannel.SMS).exists()


def test_an_email_invitation_needs_an_address_and_keeps_what_was_typed(cast, as_user, organiser):
    response = as_user(organiser).post(_invite(cast), _form(email="", note="See you Sunday"))
    assert response.status_code == 400
    page = text_of(response)
    assert "Enter their email address, or choose another way to invite them." in page
    assert "See you Sunday" in page
    assert 'value="Priya"' in page


def test_the_expiry_must_be_between_one_and_thirty_days(cast, as_user, organiser):
    response = as_user(organiser).post(_invite(cast), _form(expires_in_days="45"))
    assert response.status_code == 400
    assert "Enter a number of days from 1 to 30." in text_of(response)
    assert not Invitation.objects.filter(email="priya@example.org").exists()


def test_someone_already_in_the_circle_is_not_invited_again(cast, as_user, organiser):
    response = as_user(organiser).post(_invite(cast), _form(email="helper@example.org"))
    assert response.status_code == 400
    assert "helper@example.org is already in this circle." in text_of(response)


def test_a_shareable_link_is_shown_once_with_advice(cast, as_user, organiser):
    response = as_user(organiser).post(_invite(cast), _form(channel=InvitationChannel.LINK, email="", name=""))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = text_of(response)
    link = re.search(r'value="(http://testserver/join/[^"]+/)"', page)
    assert link is not None
    assert "This is the only time you'll see this link." in page
    assert "join as a helper, once" in page
    invitation = Invitation.objects.filter(channel=InvitationChannel.LINK).latest("id")
    assert invitation.role == Role.HELPER
    token = link.group(1).rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 24
    # Only a hash of the secret is kept.
    assert invitation.token_hash == secret_hash(token)
    assert token not in str(AuditEntry.objects.filter(action="invitation.created").values_list("data", flat=True))
    people_page = text_of(as_user(organiser).get(reverse("circles:members", args=[cast.circle.pk])))
    assert token not in people_page


def test_the_shareable_link_lets_someone_join(cast, as_user, organiser, django_capture_on_commit_callbacks):
    response = as_user(organiser).post(_invite(cast), _form(channel=InvitationChannel.LINK, role=Role.WELL_WISHER))
    found = re.search(r'value="http://testserver(/join/[^"]+/)"', text_of(response))
    assert found is not None
    link = found.group(1)
    newcomer = quick_user("Nadia")
    with django_capture_on_commit_callbacks(execute=True):
        as_user(newcomer).post(link)
    assert Membership.objects.get(circle=cast.circle, user=newcomer).role == Role.WELL_WISHER


def test_inviting_needs_members_invite(cast, as_user, helper, well_wisher, outsider):
    assert as_user(outsider).get(_invite(cast)).status_code == 404
    assert as_user(helper).get(_invite(cast)).status_code == 403
    assert as_user(well_wisher).post(_invite(cast), _form()).status_code == 403
    assert not Invitation.objects.filter(email="priya@example.org").exists()


def test_a_helper_allowed_to_invite_cannot_hand_out_an_organisers_powers(cast, as_user, person, helper):
    consent_update(actor=person, circle=cast.circle, grants={Role.HELPER: ["members.invite", "members.view"]})
    page = text_of(as_user(helper).get(_invite(cast)))
    assert '<option value="organiser"' not in page
    refused = as_user(helper).post(_invite(cast), _form(role=Role.ORGANISER))
    assert refused.status_code == 400
    assert "Choose one of the roles in the list." in text_of(refused)
    assert as_user(helper).post(_invite(cast), _form(role=Role.HELPER)).status_code == 302
    assert Invitation.objects.get(email="priya@example.org").invited_by == helper

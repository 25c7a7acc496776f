from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Invitation, InvitationChannel, Membership, Role
from carecircle.circles.services import consent_update, invitation_create
from tests.cast import Cast
from tests.circles.conftest import add_members, queries_for, text_of


def _people(cast: Cast) -> str:
    return reverse("circles:members", args=[cast.circle.pk])


def _edit(cast: Cast, name: str) -> str:
    return reverse("circles:member_edit", args=[cast.circle.pk, cast.membership(name).pk])


def _remove(cast: Cast, name: str) -> str:
    return reverse("circles:member_remove", args=[cast.circle.pk, cast.membership(name).pk])


def _leave(cast: Cast) -> str:
    return reverse("circles:leave", args=[cast.circle.pk])


def _invite_by_email(cast: Cast, email: str = "priya@example.org", inviter: User | None = None) -> Invitation:
    invitation, _ = invitation_create(
        actor=inviter or cast.organiser,
        circle=cast.circle,
        role=Role.HELPER,
        channel=InvitationChannel.EMAIL,
        name="Priya",
        email=email,
    )
    return invitation


# The people page.


def test_outsiders_get_not_found_and_well_wishers_forbidden(cast, as_user, outsider, well_wisher):
    assert as_user(outsider).get(_people(cast)).status_code == 404
    assert as_user(well_wisher).get(_people(cast)).status_code == 403


def test_organisers_see_members_invitations_and_invite_someone(cast, as_user, organiser):
    _invite_by_email(cast)
    page = text_of(as_user(organiser).get(_people(cast)))
    assert "<strong>Helper</strong>" in page
    assert "son" in page
    assert "Invitations waiting for an answer" in page
    assert "1 invitation is waiting for an answer." in page
    invitations = reverse("circles:invitations", args=[cast.circle.pk])
    assert f'<a href="{invitations}">See them, or cancel one</a>' in page
    listed = text_of(as_user(organiser).get(invitations))
    assert "<strong>Priya</strong>" in listed
    assert "Email to priya@example.org, from Olivia Organiser." in listed
    invite = reverse("circles:invite", args=[cast.circle.pk])
    assert f'<a class="button" href="{invite}">Invite someone</a>' in page
    assert "Coordinates the circle: members, help, the record and settings." in text_of(as_user(organiser).get(invite))


def test_helpers_see_members_but_not_invitations_by_default(cast, as_user, helper):
    _invite_by_email(cast)
    page = text_of(as_user(helper).get(_people(cast)))
    assert "<strong>Olivia Organiser</strong>" in page
    assert "organiser@example.org" in page
    assert "priya@example.org" not in page
    assert "Invitations waiting" not in page
    assert "Change role" not in page


def test_paid_carers_see_members_without_contact_details(cast, as_user, paid_carer):
    page = text_of(as_user(paid_carer).get(_people(cast)))
    assert "<strong>Olivia Organiser</strong>" in page
    assert "organiser@example.org" not in page


def test_the_people_page_query_count_does_not_grow(cast, as_user, organiser, django_assert_max_num_queries):
    client = as_user(organiser)
    _invite_by_email(cast, "one@example.org")
    with_few = queries_for(client, _people(cast))
    add_members(circle=cast.circle, actor=organiser, how_many=20)
    for number in range(10):
        _invite_by_email(cast, f"more{number}@example.org")
    with django_assert_max_num_queries(with_few):
        response = client.get(_people(cast))
    # Only their count: the rows are on the invitations page, ten at a time (INVITATIONS_LIMIT).
    assert "11 invitations are waiting for an answer." in text_of(response)
    assert "<strong>Priya</strong>" not in text_of(response)
    invitations = reverse("circles:invitations", args=[cast.circle.pk])
    with django_assert_max_num_queries(with_few):
        listed = text_of(client.get(invitations))
    assert listed.count("<strong>Priya</strong>") == 10
    assert "Show more invitations" in listed


# Changing a member's role and relationship.


def test_an_organiser_changes_a_members_role_and_relationship(cast, as_user, organiser):
    response = as_user(organiser).post(_edit(cast, "helper"), {"role": Role.ORGANISER, "relationship": "eldest son"})
    assert response.status_code == 302
    member = cast.membership("helper")
    assert member.role == Role.ORGANISER
    assert member.relationship == "eldest son"
    assert AuditEntry.objects.filter(action="member.role_changed", subject_user=cast.helper).exists()


def test_the_edit_form_shows_the_current_role(cast, as_user, organiser):
    page = text_of(as_user(organiser).get(_edit(cast, "paid_carer")))
    assert '<option value="paid_carer" selected>Paid carer</option>' in page
    assert 'value="carer from Home Help Ltd"' in page
    # There is already a person being helped, so nobody else can become them.
    assert '<option value="person"' not in page


def test_only_those_who_manage_members_can_change_roles(cast, as_user, helper, outsider):
    assert as_user(helper).get(_edit(cast, "paid_carer")).status_code == 403
    assert as_user(helper).post(_edit(cast, "paid_carer"), {"role": Role.ORGANISER}).status_code == 403
    assert as_user(outsider).get(_edit(cast, "paid_carer")).status_code == 404
    assert cast.membership("paid_carer").role == Role.PAID_CARER


def test_a_member_of_another_circle_is_not_found(cast, as_user, organiser):
    other = Membership.objects.get(circle=cast.other_circle)
    url = reverse("circles:member_edit", args=[cast.circle.pk, other.pk])
    assert as_user(organiser).get(url).status_code == 404


def test_the_last_organiser_cannot_step_down(cast, as_user, organiser):
    response = as_user(organiser).post(_edit(cast, "organiser"), {"role": Role.HELPER, "relationship": "daughter"})
    assert response.status_code == 409
    assert "A circle needs at least one organiser." in text_of(response)
    assert cast.membership("organiser").role == Role.ORGANISER


def test_an_unknown_role_is_refused(cast, as_user, organiser):
    response = as_user(organiser).post(_edit(cast, "helper"), {"role": "boss", "relationship": ""})
    assert response.status_code == 400
    assert "Choose one of the roles in the list." in text_of(response)


# Removing a member.


def test_removing_asks_first_and_then_removes(cast, as_user, organiser):
    client = as_user(organiser)
    confirm = client.get(_remove(cast, "well_wisher"))
    assert confirm.status_code == 200
    assert "Remove Well Wisher from Dad's circle?" in text_of(confirm)
    assert Membership.objects.filter(circle=cast.circle, user=cast.well_wisher).exists()
    response = client.post(_remove(cast, "well_wisher"), follow=True)
    assert not Membership.objects.filter(circle=cast.circle, user=cast.well_wisher).exists()
    assert "Well Wisher is no longer in Dad's circle." in text_of(response)
    assert AuditEntry.objects.filter(action="member.removed", subject_user=cast.well_wisher).exists()


def test_a_removed_member_loses_access_at_once(cast, as_user, organiser, well_wisher):
    member_url = _remove(cast, "well_wisher")
    as_user(organiser).post(member_url)
    assert as_user(well_wisher).get(reverse("circles:home", args=[cast.circle.pk])).status_code == 404


def test_only_those_who_manage_members_can_remove_people(cast, as_user, helper, outsider):
    assert as_user(helper).post(_remove(cast, "well_wisher")).status_code == 403
    assert as_user(outsider).post(_remove(cast, "well_wisher")).status_code == 404
    assert Membership.objects.filter(circle=cast.circle, user=cast.well_wisher).exists()


def test_removing_yourself_goes_to_the_leave_page(cast, as_user, organiser):
    response = as_user(organiser).post(_remove(cast, "organiser"))
    assert response.status_code == 302
    assert response["Location"] == _leave(cast)
    assert Membership.objects.filter(circle=cast.circle, user=cast.organiser).exists()


# Leaving.


def test_anyone_can_leave(cast, as_user, well_wisher):
    client = as_user(well_wisher)
    assert "Leave Dad's circle?" in text_of(client.get(_leave(cast)))
    response = client.post(_leave(cast), follow=True)
    assert response.redirect_chain[-1][0] == reverse("circles:list")
    assert "You've left Dad's circle." in text_of(response)
    assert not Membership.objects.filter(circle=cast.circle, user=well_wisher).exists()
    assert AuditEntry.objects.filter(action="member.left", actor=well_wisher).exists()


def test_the_last_organiser_is_told_to_hand_over_first(cast, as_user, organiser):
    response = as_user(organiser).post(_leave(cast))
    assert response.status_code == 409
    page = text_of(response)
    assert "You're the only organiser. Make someone else an organiser before you leave." in page
    assert _people(cast) in page
    assert Membership.objects.filter(circle=cast.circle, user=organiser).exists()


def test_an_organiser_can_leave_once_there_is_another(cast, as_user, organiser):
    as_user(organiser).post(_edit(cast, "helper"), {"role": Role.ORGANISER, "relationship": "son"})
    assert as_user(organiser).post(_leave(cast)).status_code == 302
    assert not Membership.objects.filter(circle=cast.circle, user=organiser).exists()


def test_outsiders_cannot_leave_a_circle_they_are_not_in(cast, as_user, outsider):
    assert as_user(outsider).post(_leave(cast)).status_code == 404


# Cancelling invitations.


def test_an_organiser_cancels_a_pending_invitation(cast, as_user, organiser):
    invitation = _invite_by_email(cast)
    url = reverse("circles:invitation_revoke", args=[cast.circle.pk, invitation.pk])
    response = as_user(organiser).post(url, follow=True)
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert "Cancelled the invitation for Priya. Its link no longer works." in text_of(response)
    assert "<strong>Priya</strong>" not in text_of(response)
    assert response.redirect_chain[-1][0] == reverse("circles:invitations", args=[cast.circle.pk])


def test_cancelling_needs_a_post(cast, as_user, organiser):
    invitation = _invite_by_email(cast)
    url = reverse("circles:invitation_revoke", args=[cast.circle.pk, invitation.pk])
    assert as_user(organiser).get(url).status_code == 405
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_an_invitation_already_used_cannot_be_cancelled(cast, as_user, organiser):
    accepted = Invitation.objects.filter(circle=cast.circle, accepted_at__isnull=False).latest("id")
    url = reverse("circles:invitation_revoke", args=[cast.circle.pk, accepted.pk])
    response = as_user(organiser).post(url)
    assert response.status_code == 409
    assert "This invitation can't be cancelled: it has already been used." in text_of(response)


def test_cancelling_follows_capabilities(cast, as_user, organiser, person, helper, outsider):
    invitation = _invite_by_email(cast)
    url = reverse("circles:invitation_revoke", args=[cast.circle.pk, invitation.pk])
    assert as_user(outsider).post(url).status_code == 404
    assert as_user(helper).post(url).status_code == 403
    consent_update(actor=person, circle=cast.circle, grants={Role.HELPER: ["members.invite", "members.view"]})
    # A helper allowed to invite may cancel only their own invitations.
    assert as_user(helper).post(url).status_code == 403
    own = _invite_by_email(cast, email="sam@example.org", inviter=helper)
    own_url = reverse("circles:invitation_revoke", args=[cast.circle.pk, own.pk])
    assert as_user(helper).post(own_url).status_code == 302
    own.refresh_from_db()
    assert own.status == "revoked"


def test_an_invitation_of_another_circle_is_not_found(cast, as_user, organiser, outsider):
    other, _ = invitation_create(
        actor=outsider, circle=cast.other_circle, role=Role.HELPER, channel=InvitationChannel.LINK
    )
    url = reverse("circles:invitation_revoke", args=[cast.circle.pk, other.pk])
    assert as_user(organiser).post(url).status_code == 404

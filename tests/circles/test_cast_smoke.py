from carecircle.audit.models import AuditEntry
from carecircle.circles.access import access_circle
from carecircle.circles.models import Membership, Role


def test_the_cast_has_one_member_in_every_role(cast):
    roles = set(Membership.objects.filter(circle=cast.circle).values_list("role", flat=True))
    assert roles == set(Role)
    assert AuditEntry.objects.filter(circle=cast.circle, action="invitation.accepted").count() == 5


def test_outsider_cannot_reach_the_circle(cast):
    import pytest
    from django.http import Http404

    with pytest.raises(Http404):
        access_circle(user=cast.outsider, circle_id=cast.circle.pk)


def test_a_helper_allowed_to_invite_cannot_hand_out_control(cast, django_capture_on_commit_callbacks):
    import pytest
    from django.core.exceptions import PermissionDenied

    from carecircle.circles.permissions import default_consent
    from carecircle.circles.services import consent_update, invitation_create

    grants = default_consent()
    grants["helper"] = [*grants["helper"], "members.invite"]
    consent_update(actor=cast.person, circle=cast.circle, grants=grants)
    cast.circle.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invitation_create(actor=cast.helper, circle=cast.circle, role="helper", channel="link")
    assert token
    assert invitation.role == "helper"
    for role in ("organiser", "person"):
        with pytest.raises(PermissionDenied):
            invitation_create(actor=cast.helper, circle=cast.circle, role=role, channel="link")

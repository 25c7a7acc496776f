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

from django.urls import reverse

from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle, Role
from carecircle.circles.permissions import consentable_for
from tests.circles.conftest import text_of


def _consent(circle: Circle) -> str:
    return reverse("circles:consent", args=[circle.pk])


def _all_current(circle: Circle) -> dict[str, list[str]]:
    """The form as drawn: every role with what it has now."""
    circle.refresh_from_db()
    return {role: list(keys) for role, keys in circle.consent.items()}


def test_the_person_decides_when_they_are_in_the_circle(cast, as_user, person):
    response = as_user(person).get(_consent(cast.circle))
    page = text_of(response)
    assert "You decide what each person in your circle can see and do." in page
    assert '<form method="post"' in page
    assert '<input type="checkbox" name="well_wisher" value="members.view"' in page


def test_organisers_only_read_when_the_person_decides(cast, as_user, organiser):
    page = text_of(as_user(organiser).get(_consent(cast.circle)))
    assert "Dad decides what each person in the circle can see and do" in page
    assert "Only Dad can change this." in page
    assert 'type="checkbox"' not in page
    response = as_user(organiser).post(_consent(cast.circle), {"well_wisher": ["members.view"]})
    assert response.status_code == 403
    cast.circle.refresh_from_db()
    assert "members.view" not in cast.circle.consent["well_wisher"]


def test_organisers_decide_when_the_person_is_not_in_the_circle(cast, as_user, outsider):
    # The outsider organises Auntie Jo's circle, and Auntie Jo isn't a member.
    page = text_of(as_user(outsider).get(_consent(cast.other_circle)))
    assert "The organisers decide what each person in the circle can see and do" in page
    assert '<form method="post"' in page
    grants = _all_current(cast.other_circle)
    grants["well_wisher"] = [*grants["well_wisher"], "members.view"]
    assert as_user(outsider).post(_consent(cast.other_circle), grants).status_code == 302
    cast.other_circle.refresh_from_db()
    assert "members.view" in cast.other_circle.consent["well_wisher"]


def test_other_members_read_who_decides_and_what_each_role_can_do(cast, as_user, helper, well_wisher, outsider):
    page = text_of(as_user(well_wisher).get(_consent(cast.circle)))
    assert "Only Dad can change this." in page
    assert "<h2>Well-wishers</h2>" in page
    assert "Send reactions and messages of support" in page
    assert as_user(helper).post(_consent(cast.circle), {"helper": ["members.invite"]}).status_code == 403
    assert as_user(outsider).get(_consent(cast.circle)).status_code == 404


def test_checkboxes_are_grouped_by_role_and_by_kind(cast, as_user, person):
    page = text_of(as_user(person).get(_consent(cast.circle)))
    for legend in ("Helpers", "Paid carers", "Professionals", "Well-wishers", "People", "Record", "Keeping in touch"):
        assert f"<legend>{legend}</legend>" in page
    # Professionals can never be given the family conversation, so there is no box for it.
    assert 'name="professional" value="conversations.read"' not in page
    assert len(consentable_for(Role.HELPER)) == page.count('name="helper"')


def test_a_consent_change_really_changes_access(cast, as_user, person, well_wisher):
    people = reverse("circles:members", args=[cast.circle.pk])
    assert as_user(well_wisher).get(people).status_code == 403
    grants = _all_current(cast.circle)
    grants["well_wisher"] = [*grants["well_wisher"], "members.view"]
    response = as_user(person).post(_consent(cast.circle), grants, follow=True)
    assert "Saved." in text_of(response)
    assert as_user(well_wisher).get(people).status_code == 200
    entry = AuditEntry.objects.get(action="consent.changed")
    assert entry.data["changes"] == {"well_wisher": {"granted": ["members.view"], "withdrawn": []}}


def test_unticking_everything_for_a_role_withdraws_it(cast, as_user, person, helper):
    home = reverse("circles:home", args=[cast.circle.pk])
    assert "data-member=" in text_of(as_user(helper).get(home))
    grants = _all_current(cast.circle)
    del grants["helper"]
    as_user(person).post(_consent(cast.circle), grants)
    cast.circle.refresh_from_db()
    assert cast.circle.consent["helper"] == []
    assert as_user(helper).get(reverse("circles:members", args=[cast.circle.pk])).status_code == 403
    assert "data-member=" not in text_of(as_user(helper).get(home))


def test_a_capability_a_role_can_never_have_is_refused(cast, as_user, person):
    grants = _all_current(cast.circle)
    grants["professional"] = [*grants["professional"], "conversations.read"]
    response = as_user(person).post(_consent(cast.circle), grants)
    assert response.status_code == 400
    cast.circle.refresh_from_db()
    assert "conversations.read" not in cast.circle.consent["professional"]


def test_the_page_speaks_to_the_person_as_you(cast, as_user, person, helper):
    url = reverse("circles:consent", kwargs={"circle_id": cast.circle.pk})
    assert "You and the organisers can always see and do everything" in text_of(as_user(person).get(url))
    assert "Dad and the organisers can always see and do everything" in text_of(as_user(helper).get(url))

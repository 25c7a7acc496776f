import pytest
from django.urls import reverse

from carecircle.circles.models import Role
from carecircle.circles.pages import HOME_NAMES
from tests.cast import Cast
from tests.circles.conftest import add_members, queries_for, text_of


def _home(cast: Cast) -> str:
    return reverse("circles:home", args=[cast.circle.pk])


def _fragment(cast: Cast) -> str:
    return reverse("circles:members_fragment", args=[cast.circle.pk])


def test_outsiders_get_not_found(cast, as_user, outsider, org_staff):
    assert as_user(outsider).get(_home(cast)).status_code == 404
    assert as_user(org_staff).get(_home(cast)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(cast, as_user):
    response = as_user(None).get(_home(cast))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_member_sees_the_person_their_role_and_the_people(cast, as_user, paid_carer):
    page = text_of(as_user(paid_carer).get(_home(cast)))
    assert "<h1>The people helping Dad</h1>" in page
    assert "You're in this circle as: Paid carer (carer from Home Help Ltd)." in page
    for name in ("Olivia Organiser", "Helper", "Well Wisher"):
        assert f"<strong>{name}</strong>" in page
    assert "Auntie Jo" not in page


def test_the_person_sees_it_as_their_own_circle(cast, as_user, person):
    assert "<h1>Your circle</h1>" in text_of(as_user(person).get(_home(cast)))


def test_the_member_list_is_a_live_region(cast, as_user, helper):
    page = text_of(as_user(helper).get(_home(cast)))
    cast.circle.refresh_from_db()
    assert f'data-live-src="{_fragment(cast)}"' in page
    assert f'data-live-circle="{cast.circle.pk}"' in page
    assert f'data-live-seq="{cast.circle.event_seq}"' in page
    assert 'data-live-types="membership.added,membership.removed,membership.changed"' in page
    assert f'data-live-events="{reverse("realtime:events", args=[cast.circle.pk])}"' in page
    assert '<p class="live-status" data-live-status aria-live="polite"></p>' in page


def test_the_live_refetch_renders_the_same_list_as_the_page(cast, as_user, helper):
    client = as_user(helper)
    page = text_of(client.get(_home(cast)))
    fragment = client.get(_fragment(cast))
    assert fragment.status_code == 200
    assert "no-store" in fragment["Cache-Control"]
    html = text_of(fragment).strip()
    assert html.startswith('<ul class="list-plain">')
    assert "<html" not in html
    assert html in page


def test_someone_without_members_view_sees_no_member_list(cast, as_user, well_wisher):
    page = text_of(as_user(well_wisher).get(_home(cast)))
    assert "Your role doesn't include seeing who else is in this circle." in page
    assert "<strong>Helper</strong>" not in page
    # No live member list (other sections of the page may be live regions of their own).
    assert f'data-live-src="{_fragment(cast)}"' not in page
    assert reverse("circles:members", args=[cast.circle.pk]) not in page
    assert as_user(well_wisher).get(_fragment(cast)).status_code == 403


def test_the_fragment_is_not_found_for_outsiders(cast, as_user, outsider):
    assert as_user(outsider).get(_fragment(cast)).status_code == 404


@pytest.mark.parametrize(("name", "sees_contact"), [("helper", True), ("paid_carer", False), ("professional", False)])
def test_contact_details_follow_members_contact(cast, as_user, name, sees_contact):
    client = as_user(cast.user(name))
    # The home's summary has names and roles only; contact details are on the people page.
    assert "organiser@example.org" not in text_of(client.get(_home(cast)))
    assert "organiser@example.org" not in text_of(client.get(_fragment(cast)))
    people = reverse("circles:members", args=[cast.circle.pk])
    assert ("organiser@example.org" in text_of(client.get(people))) is sees_contact
    assert ("organiser@example.org" in text_of(client.get(_fragment(cast) + "?from=0"))) is sees_contact


def test_links_appear_only_with_the_capability(cast, as_user, organiser, helper):
    circle_id = cast.circle.pk
    organiser_page = text_of(as_user(organiser).get(_home(cast)))
    helper_page = text_of(as_user(helper).get(_home(cast)))
    for name in ("circles:members", "circles:invite", "circles:consent", "audit:circle_log", "circles:edit"):
        assert reverse(name, args=[circle_id]) in organiser_page
    assert reverse("circles:members", args=[circle_id]) in helper_page
    assert reverse("circles:consent", args=[circle_id]) in helper_page
    for name in ("circles:invite", "audit:circle_log", "circles:edit"):
        assert reverse(name, args=[circle_id]) not in helper_page
    # Changing someone's role is on the people page, not the home's summary.
    edit = reverse("circles:member_edit", args=[cast.circle.pk, cast.membership("helper").pk])
    assert edit not in organiser_page
    assert edit in text_of(as_user(organiser).get(reverse("circles:members", args=[circle_id])))
    assert "/people/" + str(cast.membership("organiser").pk) + "/" not in helper_page


def test_every_section_is_built_and_shown_by_role(cast, as_user, organiser, professional):
    page = text_of(as_user(organiser).get(_home(cast)))
    for heading in ("Help needed and calendar", "The shared record", "Conversations and updates"):
        assert heading in page
    assert "Coming soon." not in page
    # A professional never sees the family conversation, nor the tasks by default.
    professional_page = text_of(as_user(professional).get(_home(cast)))
    assert "Help needed and calendar" not in professional_page
    assert "The shared record" in professional_page


def test_the_home_page_stays_within_ten_queries_however_many_members(
    cast, as_user, organiser, django_assert_max_num_queries, settings
):
    settings.FRAGMENT_CACHE_SECONDS = 0  # Every section drawn: the most the page costs.
    client = as_user(organiser)
    with_six = queries_for(client, _home(cast))
    assert with_six <= 10
    add_members(circle=cast.circle, actor=organiser, how_many=30, role=Role.HELPER)
    with django_assert_max_num_queries(with_six):
        response = client.get(_home(cast))
    assert text_of(response).count("<li data-member=") == HOME_NAMES
    assert f"of {cast.circle.memberships.count()} people." in text_of(response)


def test_the_fragment_query_count_does_not_grow_with_members(
    cast, as_user, organiser, django_assert_max_num_queries, settings
):
    settings.FRAGMENT_CACHE_SECONDS = 0
    client = as_user(organiser)
    with_six = queries_for(client, _fragment(cast))
    add_members(circle=cast.circle, actor=organiser, how_many=20)
    with django_assert_max_num_queries(with_six):
        client.get(_fragment(cast))


def test_changing_details_needs_circle_edit(cast, as_user, organiser, helper):
    url = reverse("circles:edit", args=[cast.circle.pk])
    assert as_user(helper).get(url).status_code == 403
    assert as_user(helper).post(url, {"person_name": "Father"}).status_code == 403
    response = as_user(organiser).post(url, {"person_name": "Father", "person_date_of_birth": "1940-02-03"})
    assert response.status_code == 302
    cast.circle.refresh_from_db()
    assert cast.circle.person_name == "Father"
    assert str(cast.circle.person_date_of_birth) == "1940-02-03"


def test_changing_details_keeps_what_was_typed_when_something_is_wrong(cast, as_user, organiser):
    url = reverse("circles:edit", args=[cast.circle.pk])
    response = as_user(organiser).post(url, {"person_name": "Father", "person_date_of_birth": "2999-01-01"})
    assert response.status_code == 400
    page = text_of(response)
    assert "The date of birth can't be in the future." in page
    assert 'value="Father"' in page
    cast.circle.refresh_from_db()
    assert cast.circle.person_name == "Dad"


def test_changing_details_is_not_found_for_outsiders(cast, as_user, outsider):
    assert as_user(outsider).get(reverse("circles:edit", args=[cast.circle.pk])).status_code == 404


def test_member_links_lead_to_each_members_pages(cast, as_user):
    from django.urls import reverse

    response = as_user(cast.organiser).get(reverse("circles:members", kwargs={"circle_id": cast.circle.pk}))
    helper = cast.membership("helper")
    kwargs = {"circle_id": cast.circle.pk, "member_id": helper.pk}
    for name in ("circles:member_edit", "circles:member_remove"):
        assert f'href="{reverse(name, kwargs=kwargs)}"' in response.content.decode()

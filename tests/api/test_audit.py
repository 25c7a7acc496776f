"""The activity log: plain sentences, newest first, paged by id."""

from __future__ import annotations

from carecircle.audit.models import AuditEntry
from carecircle.circles.services import circle_update
from tests.api.conftest import API


def test_an_organiser_reads_the_log_in_sentences(organiser, circle, api_as):
    circle_update(actor=organiser, circle=circle, person_name="Father", person_date_of_birth=None)

    response = api_as(organiser).get(f"{API}/circles/{circle.pk}/audit")

    assert response.status_code == 200
    newest = response.json()["items"][0]
    assert newest["sentence"] == "Olivia Organiser changed the name from Dad to Father"
    assert newest["action"] == "circle.updated"
    assert newest["actor_id"] == organiser.pk


def test_the_log_holds_only_this_circles_entries(organiser, circle, api_as):
    items = api_as(organiser).get(f"{API}/circles/{circle.pk}/audit").json()["items"]

    ids = [item["id"] for item in items]
    assert set(ids) == set(AuditEntry.objects.filter(circle=circle).values_list("id", flat=True))
    assert ids == sorted(ids, reverse=True)


def test_pages_follow_each_other_without_gaps_or_repeats(organiser, circle, api_as):
    client = api_as(organiser)
    seen: list[int] = []
    url = f"{API}/circles/{circle.pk}/audit?limit=3"

    page = client.get(url).json()
    while True:
        seen.extend(item["id"] for item in page["items"])
        if page["next_before"] is None:
            break
        assert len(page["items"]) == 3
        page = client.get(f"{url}&before={page['next_before']}").json()

    assert seen == list(AuditEntry.objects.filter(circle=circle).order_by("-id").values_list("id", flat=True))
    assert len(seen) > 3


def test_a_page_holds_at_most_a_hundred_entries(organiser, circle, api_as):
    response = api_as(organiser).get(f"{API}/circles/{circle.pk}/audit?limit=101")

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "limit", "message": "Enter a number no bigger than 100."}]


def test_a_helper_may_not_read_the_log(helper, circle, api_as):
    response = api_as(helper).get(f"{API}/circles/{circle.pk}/audit")

    assert response.status_code == 403
    assert "audit.view" in response.json()["detail"]


def test_an_outsider_does_not_find_the_log(outsider, circle, api_as):
    assert api_as(outsider).get(f"{API}/circles/{circle.pk}/audit").status_code == 404

import datetime
import html
import re

import pytest
import time_machine
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.audit.models import AuditEntry
from carecircle.circles.services import circle_update
from tests.cast import Cast


def _log(cast: Cast) -> str:
    return reverse("audit:circle_log", args=[cast.circle.pk])


def _text(response: HttpResponse) -> str:
    return html.unescape(response.content.decode())


def _rename_many_times(cast: Cast, how_many: int) -> None:
    for number in range(how_many):
        circle_update(actor=cast.organiser, circle=cast.circle, person_name=f"Dad {number}", person_date_of_birth=None)


@pytest.mark.parametrize("name", ["organiser", "person"])
def test_organisers_and_the_person_read_the_log(cast, as_user, name):
    response = as_user(cast.user(name)).get(_log(cast))
    assert response.status_code == 200
    page = _text(response)
    assert "Olivia Organiser started the circle for Dad, <time" in page
    assert "Helper joined as a helper, invited by Olivia Organiser" in page


@pytest.mark.parametrize("name", ["helper", "paid_carer", "professional", "well_wisher"])
def test_other_members_are_forbidden(cast, as_user, name):
    assert as_user(cast.user(name)).get(_log(cast)).status_code == 403


def test_outsiders_get_not_found(cast, as_user, outsider, org_staff):
    assert as_user(outsider).get(_log(cast)).status_code == 404
    assert as_user(org_staff).get(_log(cast)).status_code == 404


def test_another_circles_log_is_not_mixed_in(cast, as_user, organiser):
    assert "Auntie Jo" not in _text(as_user(organiser).get(_log(cast)))


def test_times_are_shown_in_the_viewers_time_zone(cast, as_user, organiser):
    organiser.time_zone = "America/New_York"
    organiser.save(update_fields=["time_zone"])
    with time_machine.travel(datetime.datetime(2024, 1, 16, 10, 30, tzinfo=datetime.UTC), tick=False):
        circle_update(actor=organiser, circle=cast.circle, person_name="Father", person_date_of_birth=None)
        page = _text(as_user(organiser).get(_log(cast)))
    assert (
        'Olivia Organiser changed the name from Dad to Father, <time datetime="2024-01-16T10:30:00+00:00">'
        "Tue 16 Jan, 05:30</time>"
    ) in page


def test_the_log_is_paged_fifty_at_a_time_newest_first(cast, as_user, organiser):
    _rename_many_times(cast, 60)
    client = as_user(organiser)
    first = _text(client.get(_log(cast)))
    assert first.count("</time></li>") == 50
    assert first.index("from Dad 58 to Dad 59") < first.index("from Dad 57 to Dad 58")
    older = re.search(r'href="\?before=(\d+)"', first)
    assert older is not None
    second = _text(client.get(_log(cast) + f"?before={older.group(1)}"))
    total = AuditEntry.objects.filter(circle=cast.circle).count()
    assert second.count("</time></li>") == total - 50
    assert "started the circle for Dad" in second
    assert "from Dad 58 to Dad 59" not in second
    assert 'href="?before=' not in second, "no link to older entries on the last page"
    assert "Back to the latest" in second


def test_a_nonsense_page_marker_shows_the_latest(cast, as_user, organiser):
    response = as_user(organiser).get(_log(cast) + "?before=yesterday")
    assert response.status_code == 200
    assert "started the circle for Dad" in _text(response)


def test_the_query_count_does_not_grow_with_the_log(cast, as_user, organiser, django_assert_max_num_queries):
    client = as_user(organiser)
    client.get(_log(cast))
    with CaptureQueriesContext(connection) as few:
        client.get(_log(cast))
    _rename_many_times(cast, 80)
    with django_assert_max_num_queries(len(few)):
        client.get(_log(cast))
    last_id = AuditEntry.objects.filter(circle=cast.circle).latest("id").pk
    with django_assert_max_num_queries(len(few)):
        client.get(_log(cast) + f"?before={last_id - 40}")

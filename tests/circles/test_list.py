from django.urls import reverse

from carecircle.circles.services import circle_create
from tests.circles.conftest import queries_for, quick_user, text_of

URL = reverse("circles:list")


def test_it_lists_the_viewers_circles_with_their_role(cast, as_user, helper):
    response = as_user(helper).get(URL)
    assert response.status_code == 200
    page = text_of(response)
    assert "Dad" in page
    assert "Your role: Helper · son" in page
    assert "Auntie Jo" not in page
    assert reverse("circles:home", args=[cast.circle.pk]) in page


def test_the_person_sees_it_as_their_own_circle(cast, as_user, person):
    page = text_of(as_user(person).get(URL))
    assert "Your own circle (Dad)" in page


def test_someone_without_circles_is_invited_to_start_one(db, as_user):
    response = as_user(quick_user()).get(URL)
    page = text_of(response)
    assert "You're not in a circle yet" in page
    assert reverse("circles:create") in page


def test_signed_out_visitors_are_sent_to_sign_in(db, as_user):
    response = as_user(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_query_count_does_not_grow_with_circles(db, as_user, django_assert_max_num_queries):
    viewer = quick_user()
    client = as_user(viewer)
    circle_create(actor=viewer, person_name="Mum")
    with_one = queries_for(client, URL)
    for number in range(19):
        circle_create(actor=viewer, person_name=f"Neighbour {number}")
    with django_assert_max_num_queries(with_one):
        response = client.get(URL)
    assert text_of(response).count("Your role: Organiser") == 20


def test_it_only_answers_get(cast, as_user, helper):
    assert as_user(helper).post(URL).status_code == 405

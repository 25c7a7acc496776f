def test_home_invites_newcomers_to_sign_up(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Create an account" in response.content


def test_ping_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]

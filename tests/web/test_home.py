def test_home_invites_newcomers_to_sign_up(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Create an account" in response.content

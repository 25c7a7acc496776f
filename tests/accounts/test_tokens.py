import re

from django.urls import reverse

from carecircle.accounts.models import ApiToken
from carecircle.accounts.services import api_token_authenticate, api_token_create
from carecircle.audit.models import AuditEntry
from carecircle.lib.tokens import secret_hash
from tests.accounts.helpers import page_text

TOKENS = reverse("accounts:tokens")
SECRET_FIELD = re.compile(r'<input type="text" id="new-token-secret" value="([^"]+)" readonly')


def test_creating_a_token_shows_the_secret_once(as_user, dana):
    client = as_user(dana)

    response = client.post(TOKENS, {"name": "My spreadsheet"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = page_text(response)
    [secret] = SECRET_FIELD.findall(content)
    assert "You won't be able to see it again" in content
    assert api_token_authenticate(secret=secret) == dana
    assert secret not in page_text(client.get(TOKENS))


def test_only_a_hash_of_the_secret_is_stored(as_user, dana):
    content = page_text(as_user(dana).post(TOKENS, {"name": "Home hub"}))
    [secret] = SECRET_FIELD.findall(content)

    token = ApiToken.objects.get(user=dana)
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert secret not in stored
    assert token.secret_hash == secret_hash(secret)
    assert secret.startswith(token.prefix)


def test_the_list_shows_name_prefix_and_status(as_user, dana):
    active, _ = api_token_create(actor=dana, name="Kitchen tablet")
    revoked, _ = api_token_create(actor=dana, name="Old laptop script")
    revoked.revoked_at = revoked.created_at
    revoked.save(update_fields=["revoked_at"])

    content = page_text(as_user(dana).get(TOKENS))

    assert "Kitchen tablet" in content
    assert f"{active.prefix}…" in content
    assert "Old laptop script" in content
    assert "Revoked" in content
    assert "Never" in content
    assert reverse("accounts:token_revoke", args=[active.pk]) in content
    assert reverse("accounts:token_revoke", args=[revoked.pk]) not in content


def test_other_peoples_tokens_are_not_listed(as_user, dana, eve):
    api_token_create(actor=eve, name="Eve's secret robot")

    assert "Eve's secret robot" not in page_text(as_user(dana).get(TOKENS))


def test_a_token_needs_a_name(as_user, dana):
    response = as_user(dana).post(TOKENS, {"name": "   "})

    assert response.status_code == 400
    assert "Give the token a name" in page_text(response)
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_working(as_user, dana):
    token, secret = api_token_create(actor=dana, name="Home hub")

    response = as_user(dana).post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)

    assert "“Home hub” has been revoked" in page_text(response)
    assert api_token_authenticate(secret=secret) is None
    assert AuditEntry.objects.filter(action="token.revoked", subject_user=dana).exists()


def test_nobody_can_revoke_someone_elses_token(as_user, dana, eve):
    token, secret = api_token_create(actor=eve, name="Eve's hub")

    response = as_user(dana).post(reverse("accounts:token_revoke", args=[token.pk]))

    assert response.status_code == 404
    assert api_token_authenticate(secret=secret) == eve


def test_revoking_needs_post(as_user, dana):
    token, secret = api_token_create(actor=dana, name="Home hub")

    assert as_user(dana).get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    assert api_token_authenticate(secret=secret) == dana

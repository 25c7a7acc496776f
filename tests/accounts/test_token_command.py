from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from carecircle.accounts.models import ApiToken
from carecircle.accounts.services import api_token_authenticate


def run(*arguments: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_last_line_printed_is_a_working_token(dana):
    out, err = run("create", "--email", "Dana@Example.org", "--name", "Nightly export")

    last_line = out.strip().splitlines()[-1]
    assert api_token_authenticate(secret=last_line) == dana
    assert ApiToken.objects.get(user=dana).name == "Nightly export"
    assert "won't be shown again" in out
    assert err == ""


def test_a_token_made_without_a_name_gets_one(dana):
    run("create", "--email", dana.email)

    assert ApiToken.objects.get(user=dana).name == "Command line"


def test_an_unknown_email_is_a_clear_error(db):
    with pytest.raises(CommandError, match=r"no account with the email address 'nobody@example\.org'"):
        run("create", "--email", "nobody@example.org")

    assert not ApiToken.objects.exists()


def test_an_action_is_required(db):
    with pytest.raises(CommandError):
        run()

"""The demo's nurse and organisation staff sign in with two steps, using the published demo key."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from carecircle.web.demo import DEMO_PASSWORD


@pytest.mark.parametrize("local_part", ["professional", "orgstaff"])
def test_demo_professional_and_staff_sign_in_with_the_code_demo_code_prints(db, settings, capsys, local_part):
    settings.DEBUG = True
    call_command("demo")
    assert "demo_code" in capsys.readouterr().out
    client = Client()

    first = client.post(
        reverse("accounts:login"), {"email": f"{local_part}@demo.carecircle.test", "password": DEMO_PASSWORD}
    )
    assert first["Location"] == reverse("accounts:sign_in_verify")
    call_command("demo_code")
    code = re.findall(r"^\d{6}$", capsys.readouterr().out, re.M)[0]
    second = client.post(reverse("accounts:sign_in_verify"), {"code": code})

    assert second.status_code == 302
    assert second["Location"] == reverse("circles:list")


def test_demo_code_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("demo_code")

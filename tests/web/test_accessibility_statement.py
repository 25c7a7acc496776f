"""The accessibility statement: public, in the GOV.UK model's sections, linked from every page's footer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.cast import Cast

URL = reverse("web:accessibility")
GOV_UK_SECTIONS = (
    "How accessible this service is",
    "Feedback and contact information",
    "Reporting accessibility problems with this service",
    "Enforcement procedure",
    "Technical information about this service's accessibility",
    "Compliance status",
    "Non-accessible content",
    "What is being done to improve accessibility",
    "Preparation of this accessibility statement",
)


@pytest.mark.django_db
def test_it_has_every_section_of_the_gov_uk_model(client: Any) -> None:
    page = client.get(URL)
    assert page.status_code == 200
    headings = re.findall(r"<h[23][^>]*>([^<]+)</h[23]>", page.content.decode().replace("&#x27;", "'"))
    assert list(GOV_UK_SECTIONS) == [heading for heading in headings if heading in GOV_UK_SECTIONS]
    assert "partially compliant" in page.content.decode()
    assert "This statement was prepared on 4 December 2026" in page.content.decode()


@pytest.mark.django_db
def test_it_gives_the_contact_address_when_one_is_set(client: Any, settings: Any) -> None:
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@riverside.example"
    assert 'href="mailto:access@riverside.example"' in client.get(URL).content.decode()
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    text = client.get(URL).content.decode()
    assert "mailto:" not in text
    assert "ask the organisation that gave you this service" in text


@pytest.mark.django_db
def test_the_footer_links_to_it_signed_out(client: Any) -> None:
    assert f'href="{URL}">Accessibility statement</a>' in client.get(reverse("web:home")).content.decode()


def test_the_footer_links_to_it_signed_in(cast: Cast, as_user: Any) -> None:
    page = as_user(cast.helper).get(reverse("circles:home", args=[cast.circle.pk]))
    assert f'href="{URL}">Accessibility statement</a>' in page.content.decode()
    assert as_user(cast.helper).get(URL).status_code == 200

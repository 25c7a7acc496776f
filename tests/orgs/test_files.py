"""Stored files go with their rows: an attachment's file when its referral or organisation is deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from carecircle.lib.uploads import CleanUpload
from carecircle.orgs.access import access_organisation
from carecircle.orgs.follow_ups import attachment_add
from carecircle.orgs.models import Organisation, Referral, ReferralAttachment
from tests.orgs.conftest import Org, make_referral

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _attached(org: Org) -> tuple[Referral, Path]:
    referral = make_referral(org.organisation)
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    attachment, _ = attachment_add(
        access=access,
        referral=referral,
        upload=CleanUpload(content=PDF, content_type="application/pdf", filename="letter.pdf"),
    )
    path = Path(attachment.file.path)
    assert path.read_bytes() == PDF
    return referral, path


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_deleting_a_referral_removes_its_files_after_commit(
    org: Org, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    referral, path = _attached(org)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        referral.delete()
        # Still there until the transaction commits: a rollback must find it.
        assert path.exists()
    assert callbacks
    assert not path.exists()
    assert not ReferralAttachment.objects.exists()


def test_deleting_an_organisation_removes_its_referrals_files_and_logo(
    org: Org, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    _, path = _attached(org)
    organisation = Organisation.objects.get(pk=org.organisation.pk)
    organisation.logo.save("logo.png", ContentFile(b"picture"), save=True)
    logo = Path(organisation.logo.path)
    with django_capture_on_commit_callbacks(execute=True):
        organisation.delete()
    assert not path.exists()
    assert not logo.exists()


def test_a_delete_that_is_rolled_back_keeps_the_file(org: Org, media: Path) -> None:
    referral, path = _attached(org)
    referral_id = referral.pk

    def delete_then_fail() -> None:
        with transaction.atomic():
            referral.delete()
            raise RuntimeError("something later in the same change failed")

    with pytest.raises(RuntimeError):
        delete_then_fail()
    assert path.exists()
    assert ReferralAttachment.objects.filter(referral_id=referral_id).exists()

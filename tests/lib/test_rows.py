"""Code constants written into SQL written once (lib/rows.py)."""

from __future__ import annotations

import pytest
from django.db.models import TextChoices

from carecircle.circles.models import Role
from carecircle.lib.rows import code_literal
from carecircle.notifications.models import Channel, DeliveryStatus


@pytest.mark.parametrize("code", [Role.PERSON, Role.PAID_CARER, DeliveryStatus.FAILED, Channel.SMS])
def test_a_code_constant_is_a_quoted_string_literal(code: TextChoices) -> None:
    assert code_literal(code.value) == f"'{code.value}'"


@pytest.mark.parametrize("value", ["", "o'brien", "failed' OR '1'='1", "Failed", "2fa", "a b", "a-b", "é", 7, None])
def test_anything_but_a_plain_code_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="Not a code constant"):
        code_literal(value)  # type: ignore[arg-type]

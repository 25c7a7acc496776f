"""People for the accounts tests who need no circle: cheaper than building the whole cast."""

import pytest

from tests.cast import make_user


@pytest.fixture
def dana(db):
    return make_user("dana", email="dana@example.org", display_name="Dana Daughter")


@pytest.fixture
def eve(db):
    return make_user("eve", email="eve@example.org", display_name="Eve Example")

"""Passwords are stored with Argon2 in the real settings (tests use a fast hasher)."""

from django.contrib.auth.hashers import check_password, make_password

from carecircle import settings as real_settings


def test_passwords_are_hashed_with_argon2():
    assert real_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_an_argon2_hash_verifies_only_the_right_password(settings):
    settings.PASSWORD_HASHERS = real_settings.PASSWORD_HASHERS
    hashed = make_password("quiet-harbour-lantern-42")
    assert hashed.startswith("argon2$")
    assert check_password("quiet-harbour-lantern-42", hashed)
    assert not check_password("quiet-harbour-lantern-43", hashed)

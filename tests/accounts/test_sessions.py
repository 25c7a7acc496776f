from datetime import UTC, datetime

from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from carecircle.accounts.backends import EmailBackend
from carecircle.accounts.devices import device_description
from carecircle.accounts.models import SignedInSession, User
from carecircle.audit.models import AuditEntry
from tests.accounts.helpers import page_text

SESSIONS = reverse("accounts:sessions")
PROFILE = reverse("accounts:profile")
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def signed_in_device(user: User, password: str, user_agent: str) -> Client:
    device = Client(HTTP_USER_AGENT=user_agent)
    response = device.post(reverse("accounts:login"), {"email": user.email, "password": password})
    assert response.status_code == 302
    return device


def test_the_list_shows_each_device_and_marks_this_one(dana, password):
    laptop = signed_in_device(dana, password, FIREFOX_WINDOWS)
    signed_in_device(dana, password, SAFARI_IPHONE)

    response = laptop.get(SESSIONS)

    assert response.status_code == 200
    content = page_text(response)
    assert "Firefox on Windows" in content
    assert "Safari on iPhone" in content
    assert content.count("This device") == 1
    assert content.index("Firefox on Windows") < content.index("This device") < content.index("Safari on iPhone")


def test_last_seen_is_shown_in_the_viewers_time_zone(dana, password):
    dana.time_zone = "Asia/Tokyo"
    dana.save(update_fields=["time_zone"])
    laptop = signed_in_device(dana, password, FIREFOX_WINDOWS)
    laptop.get(SESSIONS)  # Last seen is refreshed at most every few minutes; this visit is the refresh.
    SignedInSession.objects.filter(user=dana).update(last_seen_at=datetime(2026, 3, 10, 23, 30, tzinfo=UTC))

    content = page_text(laptop.get(SESSIONS))

    # 23:30 on Tuesday in UTC is 08:30 on Wednesday in Tokyo.
    assert "Last active Wed 11 Mar, 08:30" in content


def test_signing_out_other_devices_really_ends_their_sessions(dana, password):
    laptop = signed_in_device(dana, password, FIREFOX_WINDOWS)
    phone = signed_in_device(dana, password, SAFARI_IPHONE)
    assert phone.get(PROFILE).status_code == 200

    response = laptop.post(reverse("accounts:sessions_sign_out_others"), follow=True)

    assert "Signed out on 1 other device." in page_text(response)
    kicked_out = phone.get(PROFILE)
    assert kicked_out.status_code == 302
    assert kicked_out["Location"].startswith(reverse("accounts:login"))
    assert laptop.get(PROFILE).status_code == 200
    assert SignedInSession.objects.filter(user=dana).count() == 1
    assert AuditEntry.objects.filter(action="account.signed_out_elsewhere", subject_user=dana).exists()


def test_signing_out_one_device_leaves_the_others(dana, password):
    laptop = signed_in_device(dana, password, FIREFOX_WINDOWS)
    phone = signed_in_device(dana, password, SAFARI_IPHONE)
    tablet = signed_in_device(dana, password, "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile")
    phone_row = SignedInSession.objects.get(user=dana, user_agent=SAFARI_IPHONE)

    response = laptop.post(reverse("accounts:session_sign_out", args=[phone_row.pk]), follow=True)

    assert "Signed out on Safari on iPhone." in page_text(response)
    assert phone.get(PROFILE).status_code == 302
    assert tablet.get(PROFILE).status_code == 200
    assert laptop.get(PROFILE).status_code == 200


def test_nobody_can_sign_out_someone_elses_device(dana, eve, password):
    eve_phone = signed_in_device(eve, password, SAFARI_IPHONE)
    dana_laptop = signed_in_device(dana, password, FIREFOX_WINDOWS)
    eve_row = SignedInSession.objects.get(user=eve)

    response = dana_laptop.post(reverse("accounts:session_sign_out", args=[eve_row.pk]))

    assert response.status_code == 404
    assert eve_phone.get(PROFILE).status_code == 200


def test_signing_out_this_device_from_the_list_signs_out_here(dana, password):
    laptop = signed_in_device(dana, password, FIREFOX_WINDOWS)
    own_row = SignedInSession.objects.get(user=dana)

    response = laptop.post(reverse("accounts:session_sign_out", args=[own_row.pk]))

    assert response.status_code == 302
    assert laptop.get(PROFILE).status_code == 302


def test_session_actions_need_post(as_user, dana):
    client = as_user(dana)
    client.get(SESSIONS)
    row = SignedInSession.objects.get(user=dana)

    assert client.get(reverse("accounts:sessions_sign_out_others")).status_code == 405
    assert client.get(reverse("accounts:session_sign_out", args=[row.pk])).status_code == 405
    assert SignedInSession.objects.filter(pk=row.pk).exists()


def test_devices_get_readable_names():
    assert device_description(FIREFOX_WINDOWS) == "Firefox on Windows"
    assert device_description(SAFARI_IPHONE) == "Safari on iPhone"
    edge = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0"
    assert device_description(edge) == "Edge on Windows"
    mac_chrome = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    assert device_description(mac_chrome) == "Chrome on Mac"
    assert device_description("curl/8.5.0") == "Unknown device"
    assert device_description("") == "Unknown device"


def test_the_session_user_is_read_as_the_orm_reads_it_and_a_password_change_still_ends_it(dana, password):
    """The backend's user query is written once (accounts/backends.py); the row is the ORM's, an
    inactive account gets nobody, and a password changed elsewhere still signs this device out."""
    backend = EmailBackend()
    read = backend.get_user(dana.pk)
    assert read is not None
    stored = User.objects.get(pk=dana.pk)
    for field in User._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(stored, field.attname), field.name
    assert backend.get_user(dana.pk + 1000) is None

    laptop = signed_in_device(dana, password, FIREFOX_WINDOWS)
    assert laptop.get(PROFILE).status_code == 200
    stored.set_password("a-new-long-passphrase-nobody-guesses")
    stored.save(update_fields=["password"])
    assert laptop.get(PROFILE).status_code == 302

    User.objects.filter(pk=dana.pk).update(is_active=False)
    assert backend.get_user(dana.pk) is None


def test_pages_see_the_signed_in_user_itself_and_signing_out_still_ends_it(dana, password):
    """After the first middleware asks who is signed in, request.user is the User (not Django's lazy
    wrapper), the one this session belongs to; signed out it is the anonymous user, and signing out
    and signing in again still change who the next request sees."""
    laptop = signed_in_device(dana, password, FIREFOX_WINDOWS)
    response = laptop.get(PROFILE)
    assert response.status_code == 200
    assert type(response.wsgi_request.user) is User
    assert response.wsgi_request.user.pk == dana.pk
    assert response.context["user"] is response.wsgi_request.user

    assert laptop.post(reverse("accounts:logout")).status_code == 302
    response = laptop.get(reverse("web:accessibility"))
    assert type(response.wsgi_request.user) is AnonymousUser
    assert laptop.get(PROFILE).status_code == 302

    signed_in_device(dana, password, SAFARI_IPHONE)
    response = laptop.post(reverse("accounts:login"), {"email": dana.email, "password": password}, follow=True)
    assert response.wsgi_request.user.pk == dana.pk
    assert laptop.get(PROFILE).status_code == 200

"""Staff two-step sign-in: RFC 6238 vectors, set-up, the check after the password, no replay."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.test import Client

from tereze.core import clock
from tereze.portal import totp
from tereze.portal.models import TotpDevice

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
NOW = dt.datetime(2026, 4, 6, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("unix_time, expected", [(59, "94287082"), (1111111109, "07081804"),
                                                 (1111111111, "14050471"), (1234567890, "89005924"),
                                                 (2000000000, "69279037"), (20000000000, "65353130")])
def test_rfc6238_sha1_vectors(unix_time: int, expected: str) -> None:
    assert totp.hotp(RFC_SECRET, totp.step_at(unix_time), digits=8) == expected
    assert totp.totp(RFC_SECRET, unix_time) == expected[-6:]


def test_window_and_replay() -> None:
    now = 1_700_000_000
    code = totp.totp(RFC_SECRET, now)
    step = totp.matching_step(RFC_SECRET, code, now + 30)
    assert step == totp.step_at(now)
    assert totp.matching_step(RFC_SECRET, code, now + 90) is None
    assert totp.matching_step(RFC_SECRET, code, now, after_step=step) is None
    assert totp.matching_step(RFC_SECRET, "abc", now) is None


def password_login(client: Client, user) -> object:
    return client.post("/staff/login/", {"username": user.username, "password": "correct-horse-battery"})


@pytest.mark.django_db
def test_setup_then_every_sign_in_asks_for_the_code(world) -> None:
    official = world.officials[0]
    client = Client()
    with clock.frozen(NOW):
        password_login(client, official)
        assert client.get("/staff/queue/").status_code == 200  # no device yet: no second step
        page = client.get("/staff/2fa/setup/").content.decode()
        secret = TotpDevice.objects.get(user=official).secret
        assert secret in page and "<svg" in page
        wrong = client.post("/staff/2fa/setup/", {"code": "000000"})
        assert "does not match" in wrong.content.decode()
        assert client.post("/staff/2fa/setup/", {"code": totp.totp(secret, NOW.timestamp())}).status_code == 302
    assert TotpDevice.objects.get(user=official).confirmed_at is not None

    later = NOW + dt.timedelta(minutes=5)
    fresh = Client()
    with clock.frozen(later):
        password_login(fresh, official)
        response = fresh.get("/staff/queue/")
        assert response.status_code == 302 and response["Location"].startswith("/staff/2fa/")
        bad = fresh.post("/staff/2fa/", {"code": "123456", "next": "/staff/queue/"})
        assert "wrong" in bad.content.decode()
        code = totp.totp(secret, later.timestamp())
        ok = fresh.post("/staff/2fa/", {"code": code, "next": "/staff/queue/"})
        assert ok.status_code == 302 and ok["Location"] == "/staff/queue/"
        assert fresh.get("/staff/queue/").status_code == 200
        # The same code cannot be used again in another session.
        replay = Client()
        password_login(replay, official)
        assert "wrong" in replay.post("/staff/2fa/", {"code": code}).content.decode()


@pytest.mark.django_db
def test_repeated_wrong_codes_sign_the_session_out(world) -> None:
    official = world.officials[0]
    TotpDevice.objects.create(user=official, secret=totp.new_secret(), confirmed_at=NOW)
    client = Client()
    password_login(client, official)
    for _ in range(5):
        response = client.post("/staff/2fa/", {"code": "000000"})
    assert response.status_code == 302 and response["Location"] == "/staff/login/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_next_after_second_step_stays_on_site(world) -> None:
    official = world.officials[0]
    device = TotpDevice.objects.create(user=official, secret=totp.new_secret(), confirmed_at=NOW)
    client = Client()
    password_login(client, official)
    response = client.post("/staff/2fa/", {"code": totp.totp(device.secret, clock.now().timestamp()),
                                           "next": "https://evil.example/"})
    assert response["Location"] == "/staff/"

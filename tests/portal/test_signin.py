"""Sign-in with IIN and a one-time SMS code: the happy path and every way to break it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tereze.core import clock
from tereze.core.models import AuditEntry, Business, Notification, User
from tereze.portal import actions
from tereze.portal.models import Lockout, OneTimeCode
from tests import factories
from tests.portal.helpers import last_code, sign_in, signed_in_client

pytestmark = pytest.mark.django_db


def test_signin_first_time_creates_citizen_account_without_password(world) -> None:
    person = factories.person()
    client = Client()
    response = client.post("/signin/", {"iin": person.iin})
    assert response.status_code == 302 and response["Location"] == "/signin/code/"
    sms = Notification.objects.get(recipient_iin=person.iin, topic="portal.code.sign_in")
    assert sms.channel == "sms" and sms.address == person.phone
    response = client.post("/signin/code/", {"code": last_code(person.iin)})
    assert response["Location"] == "/cabinet/"
    user = User.objects.get(iin=person.iin)
    assert user.role == "citizen" and not user.has_usable_password()
    assert client.get("/cabinet/").status_code == 200
    assert AuditEntry.objects.filter(action="portal.sign_in", subject_iin=person.iin).exists()


def test_signin_finds_existing_citizen_account(world) -> None:
    client = Client()
    sign_in(client, world.applicant)
    assert int(client.session["_auth_user_id"]) == world.citizen.pk


def test_signin_invalid_iin_error_next_to_field_and_value_kept(world) -> None:
    response = Client().post("/signin/", {"iin": "123456789012"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "not valid" in html and 'value="123456789012"' in html
    assert not OneTimeCode.objects.exists()


def test_signin_unknown_iin_looks_the_same_but_sends_nothing_and_never_signs_in(world) -> None:
    stranger = factories.new_iin()
    client = Client()
    response = client.post("/signin/", {"iin": stranger})
    assert response.status_code == 302 and response["Location"] == "/signin/code/"
    assert not Notification.objects.filter(recipient_iin=stranger).exists()
    response = client.post("/signin/code/", {"code": "123456"})
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(iin=stranger).exists()


def test_wrong_code_counts_down_then_the_code_dies(world) -> None:
    client = Client()
    client.post("/signin/", {"iin": world.applicant.iin})
    right = last_code(world.applicant.iin)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    first = client.post("/signin/code/", {"code": wrong})
    assert "Tries left for this code: 2" in first.content.decode()
    client.post("/signin/code/", {"code": wrong})
    client.post("/signin/code/", {"code": wrong})
    response = client.post("/signin/code/", {"code": right})
    assert "_auth_user_id" not in client.session
    assert "Ask for a new one" in response.content.decode()


def test_expired_code_refused(world) -> None:
    start = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    client = Client()
    with clock.frozen(start):
        client.post("/signin/", {"iin": world.applicant.iin})
    with clock.frozen(start + actions.CODE_TTL + dt.timedelta(seconds=1)):
        response = client.post("/signin/code/", {"code": last_code(world.applicant.iin)})
    assert "expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_used_code_cannot_be_replayed(world) -> None:
    client = Client()
    client.post("/signin/", {"iin": world.applicant.iin})
    code = last_code(world.applicant.iin)
    code_id = client.session["signin_code_id"]
    client.post("/signin/code/", {"code": code})
    other = Client()
    session = other.session
    session["signin_code_id"] = code_id
    session.save()
    other.cookies["sessionid"] = session.session_key  # type: ignore[assignment]
    response = other.post("/signin/code/", {"code": code})
    assert "already used" in response.content.decode()
    assert "_auth_user_id" not in other.session


def test_code_requests_are_rate_limited(world) -> None:
    iin = world.applicant.iin
    start = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    client = Client()
    with clock.frozen(start):
        client.post("/signin/", {"iin": iin})
        response = client.post("/signin/", {"iin": iin})
    assert "seconds" in response.content.decode()
    for minute in range(1, actions.CODES_PER_HOUR):
        with clock.frozen(start + dt.timedelta(minutes=minute)):
            assert client.post("/signin/", {"iin": iin}).status_code == 302
    with clock.frozen(start + dt.timedelta(minutes=30)):
        response = client.post("/signin/", {"iin": iin})
    assert "Try again in an hour" in response.content.decode()
    assert OneTimeCode.objects.filter(iin=iin).count() == actions.CODES_PER_HOUR


def test_one_address_cannot_spray_codes_at_many_people(world, settings) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(actions.CODES_PER_IP_HOUR):
        client.post("/signin/", {"iin": factories.new_iin()})
    response = client.post("/signin/", {"iin": factories.new_iin()})
    assert "from this connection" in response.content.decode()


def test_brute_force_locks_out_and_tells_the_citizen(world) -> None:
    iin = world.applicant.iin
    start = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    client = Client()
    tries = 0
    minute = 0
    while not Lockout.objects.filter(iin=iin).exists():
        with clock.frozen(start + dt.timedelta(minutes=minute)):
            client.post("/signin/", {"iin": iin})
            right = last_code(iin)
            for _ in range(actions.ATTEMPTS_PER_CODE):
                client.post("/signin/code/", {"code": f"{(int(right) + 7) % 10**6:06d}"})
                tries += 1
                if Lockout.objects.filter(iin=iin).exists():
                    break
        minute += 2
    assert tries == actions.LOCKOUT_FAILURES
    assert Notification.objects.filter(recipient_iin=iin, topic="portal.locked").exists()
    # Locked: no new code, and even a right code is refused.
    with clock.frozen(start + dt.timedelta(minutes=minute + 1)):
        response = client.post("/signin/", {"iin": iin})
        assert "locked" in response.content.decode()
        assert "_auth_user_id" not in client.session
    # After the lock-out the citizen can sign in again.
    with clock.frozen(start + dt.timedelta(minutes=minute) + actions.LOCKOUT_FOR + dt.timedelta(minutes=1)):
        fresh = Client()
        response = sign_in(fresh, world.applicant)
        assert response["Location"] == "/cabinet/"


def test_sms_code_never_opens_a_staff_account(world) -> None:
    person = factories.person()
    factories.staff("operator", centre_id=world.centre.pk, iin=person.iin)
    client = Client()
    response = sign_in(client, person)
    assert response.status_code == 200 and "Staff sign in with their password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_session_ends_hours_after_sign_in_however_active(world) -> None:
    start = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        client = signed_in_client(world.applicant)
        assert client.get("/cabinet/").status_code == 200
    with clock.frozen(start + dt.timedelta(hours=5)):
        response = client.get("/cabinet/")
    assert response.status_code == 302 and response["Location"].startswith("/signin/")
    assert "_auth_user_id" not in client.session


def test_signout_is_a_post_and_ends_the_session(world) -> None:
    client = signed_in_client(world.applicant)
    assert client.get("/signout/").status_code == 405
    client.post("/signout/")
    assert client.get("/cabinet/").status_code == 302


def test_next_never_redirects_off_site(world) -> None:
    client = Client()
    client.post("/signin/", {"iin": world.applicant.iin, "next": "https://evil.example/steal"})
    response = client.post("/signin/code/", {"code": last_code(world.applicant.iin)})
    assert response["Location"] == "/cabinet/"


def test_business_representative_signs_in_with_bin_and_sees_only_business_applications(world) -> None:
    from tereze.core.identity import make_bin

    head = factories.person()
    business = Business.objects.create(bin=make_bin(registered=dt.date(2015, 4, 1), serial=17), name="ТОО Тест",
                                       head_iin=head.iin, registered_on=dt.date(2015, 4, 1))
    client = Client()
    response = sign_in(client, head, bin=business.bin)
    assert response["Location"] == "/cabinet/"
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert user.role == "business" and user.bin == business.bin and user.iin is None
    assert "ТОО Тест" in client.get("/cabinet/").content.decode()
    # The representative's own (personal) applications are not the business's, and vice versa.
    from tests.applications.helpers import submit

    personal = submit(world, applicant_id=head.iin)
    assert personal.number not in client.get("/cabinet/").content.decode()
    assert client.get(f"/cabinet/applications/{personal.number}/").status_code == 404
    assert client.get("/cabinet/data-access/").status_code == 200


def test_someone_who_is_not_the_head_cannot_sign_in_for_a_business(world) -> None:
    from tereze.core.identity import make_bin

    head, impostor = factories.person(), factories.person()
    business = Business.objects.create(bin=make_bin(registered=dt.date(2016, 4, 1), serial=23), name="ТОО",
                                       head_iin=head.iin, registered_on=dt.date(2016, 4, 1))
    client = Client()
    client.post("/signin/", {"iin": impostor.iin, "bin": business.bin})
    assert not Notification.objects.filter(recipient_iin=impostor.iin).exists()
    client.post("/signin/code/", {"code": "000000"})
    assert "_auth_user_id" not in client.session


def test_signin_forms_refuse_posts_without_csrf_token(world) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/signin/", {"iin": world.applicant.iin}).status_code == 403
    assert not OneTimeCode.objects.exists()

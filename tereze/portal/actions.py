"""Writes made by the portal: one-time codes (request, verify, lock out), citizen and business
accounts at first sign-in, notification preferences, ratings.

Limits (see docs/adr/0007-portal-sign-in-codes.md):
- a code lives CODE_TTL and takes at most ATTEMPTS_PER_CODE wrong tries;
- one person gets at most CODES_PER_HOUR codes for each purpose, RESEND_AFTER apart;
- one address asks for at most CODES_PER_IP_HOUR codes (many IINs from one place is an attack);
- LOCKOUT_FAILURES wrong codes within LOCKOUT_WINDOW lock the person out for LOCKOUT_FOR, and
  they are told by SMS that someone tried.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from tereze.applications.models import Application
from tereze.applications.states import Status
from tereze.core import clock
from tereze.core.actions import user_create
from tereze.core.audit import audit_record
from tereze.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from tereze.core.models import Business, Notification, Person, User
from tereze.core.notify import notify_citizen
from tereze.core.roles import APPLICANT_ROLES, Role
from tereze.portal import totp
from tereze.portal.models import Lockout, OneTimeCode, Rating, TotpDevice

CODE_TTL = dt.timedelta(minutes=5)
ATTEMPTS_PER_CODE = 3
CODES_PER_HOUR = 5
RESEND_AFTER = dt.timedelta(seconds=60)
CODES_PER_IP_HOUR = 30
LOCKOUT_FAILURES = 6
LOCKOUT_WINDOW = dt.timedelta(hours=1)
LOCKOUT_FOR = dt.timedelta(minutes=30)

_random = secrets.SystemRandom()

CODE_SUBJECT = {
    OneTimeCode.Purpose.SIGN_IN: _("Your Tereze sign-in code"),
    OneTimeCode.Purpose.CONFIRM: _("Code to confirm application %(ref)s"),
    OneTimeCode.Purpose.ASSIST: _("Code to let a consultant help you apply"),
}
CODE_BODY = {
    OneTimeCode.Purpose.SIGN_IN: _("Your Tereze sign-in code: %(code)s. It is valid for 5 minutes. "
                                   "Never tell it to anyone, not even to staff."),
    OneTimeCode.Purpose.CONFIRM: _("Code to confirm and sign application %(ref)s: %(code)s. It is valid for "
                                   "5 minutes."),
    OneTimeCode.Purpose.ASSIST: _("A consultant at the centre asks to apply with you. If you agree, tell them this "
                                  "code: %(code)s. It is valid for 5 minutes."),
}
LOCKED_SUBJECT = _("Sign-in to Tereze locked")
LOCKED_BODY = _("Someone entered wrong codes for your account several times. Sign-in is locked until %(until)s. "
                "If it was not you, nobody got in; you need do nothing.")


class TooManyRequests(DomainError):
    status = 429


class LockedOut(DomainError):
    status = 429


def _hash(code_id: int, code: str) -> str:
    message = f"{code_id}:{code.strip()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _local(moment: dt.datetime) -> str:
    from django.utils import timezone

    return formats.date_format(timezone.localtime(moment), "H:i")


def lockout_until(iin: str) -> dt.datetime | None:
    lock = Lockout.objects.filter(iin=iin, until__gt=clock.now()).first()
    return lock.until if lock else None


def _ensure_not_locked(iin: str) -> None:
    until = lockout_until(iin)
    if until is not None:
        raise LockedOut(str(_("Too many wrong codes. Sign-in is locked until %(until)s.") % {"until": _local(until)}),
                        until=until.isoformat())


def _recipient_known(iin: str, bin: str) -> bool:
    """Whether the code can be delivered: the person is in the register with a phone, and for a
    business sign-in they are its head. Callers never learn the answer (no enumeration)."""
    if not Person.objects.filter(iin=iin).exclude(phone="").exists():
        return False
    return not bin or Business.objects.filter(bin=bin, head_iin=iin).exists()


@transaction.atomic
def code_request(*, purpose: str, iin: str, bin: str = "", object_ref: str = "", ip: str | None = None
                 ) -> OneTimeCode:
    """Create a code and send it by SMS to the person's phone from the register.

    The row is created whether or not the person exists, so the answer never reveals who is in the
    register. Earlier unused codes for the same purpose stop working. Raises TooManyRequests or
    LockedOut when a limit is reached."""
    now = clock.now()
    _ensure_not_locked(iin)
    # Limits are per purpose: signing in must not use up the codes that confirm an application.
    recent = OneTimeCode.objects.filter(iin=iin, purpose=purpose, created_at__gt=now - dt.timedelta(hours=1))
    if recent.count() >= CODES_PER_HOUR:
        raise TooManyRequests(str(_("Too many codes were requested for this number. Try again in an hour.")))
    last = recent.order_by("-created_at").first()
    if last is not None and last.created_at > now - RESEND_AFTER:
        wait = int((last.created_at + RESEND_AFTER - now).total_seconds()) + 1
        raise TooManyRequests(str(_("A code was sent a moment ago. You can ask for a new one in %(seconds)s seconds.")
                                  % {"seconds": wait}))
    if ip and OneTimeCode.objects.filter(requested_ip=ip, created_at__gt=now - dt.timedelta(hours=1)).count() \
            >= CODES_PER_IP_HOUR:
        raise TooManyRequests(str(_("Too many codes were requested from this connection. Try again later.")))
    OneTimeCode.objects.filter(iin=iin, purpose=purpose, object_ref=object_ref, used_at=None,
                               expires_at__gt=now).update(expires_at=now)
    code = f"{_random.randrange(10 ** 6):06d}"
    row = OneTimeCode.objects.create(purpose=purpose, iin=iin, bin=bin, object_ref=object_ref, code_hash="",
                                     requested_ip=ip, created_at=now, expires_at=now + CODE_TTL)
    row.code_hash = _hash(row.pk, code)
    row.save(update_fields=["code_hash"])
    if _recipient_known(iin, bin):
        notify_citizen(iin=iin, topic=f"portal.code.{purpose}", object_ref=object_ref,
                       subject=CODE_SUBJECT[OneTimeCode.Purpose(purpose)],
                       body=CODE_BODY[OneTimeCode.Purpose(purpose)], params={"code": code, "ref": object_ref},
                       channels=[Notification.Channel.SMS])
    return row


@dataclass
class _Outcome:
    ok: bool
    message: str = ""
    locked: bool = False


def code_verify(*, code_id: int | None, code: str, purpose: str, object_ref: str = "") -> OneTimeCode:
    """Check a code. A wrong code counts against the code and the person (and may lock them out);
    the count is committed even though the caller gets ValidationFailed. A right code is used up."""
    with transaction.atomic():
        outcome, row = _verify(code_id=code_id, code=code, purpose=purpose, object_ref=object_ref)
    if outcome.locked:
        raise LockedOut(outcome.message)
    if not outcome.ok:
        raise ValidationFailed(outcome.message, {"code": outcome.message})
    assert row is not None
    return row


def _verify(*, code_id: int | None, code: str, purpose: str, object_ref: str) -> tuple[_Outcome, OneTimeCode | None]:
    now = clock.now()
    row = OneTimeCode.objects.select_for_update().filter(pk=code_id or 0, purpose=purpose,
                                                         object_ref=object_ref).first()
    if row is None:
        return _Outcome(False, str(_("Ask for a code first."))), None
    until = lockout_until(row.iin)
    if until is not None:
        return _Outcome(False, str(_("Too many wrong codes. Sign-in is locked until %(until)s.")
                                   % {"until": _local(until)}), locked=True), None
    if row.used_at is not None:
        return _Outcome(False, str(_("This code was already used. Ask for a new one."))), None
    if row.expires_at <= now:
        return _Outcome(False, str(_("This code has expired. Ask for a new one."))), None
    if row.failed_attempts >= ATTEMPTS_PER_CODE:
        return _Outcome(False, str(_("Too many wrong tries for this code. Ask for a new one."))), None
    if not hmac.compare_digest(row.code_hash, _hash(row.pk, code)):
        row.failed_attempts += 1
        row.save(update_fields=["failed_attempts"])
        if _failures(row.iin, now) >= LOCKOUT_FAILURES:
            lock = Lockout.objects.create(iin=row.iin, since=now, until=now + LOCKOUT_FOR)
            audit_record(actor=None, action="portal.lockout", object_type="person", object_id=row.iin,
                         subject_iin=row.iin, detail={"until": lock.until.isoformat()})
            notify_citizen(iin=row.iin, topic="portal.locked", subject=LOCKED_SUBJECT, body=LOCKED_BODY,
                           params={"until": _local(lock.until)}, channels=[Notification.Channel.SMS])
            return _Outcome(False, str(_("Too many wrong codes. Sign-in is locked until %(until)s.")
                                       % {"until": _local(lock.until)}), locked=True), None
        left = ATTEMPTS_PER_CODE - row.failed_attempts
        if left <= 0:
            return _Outcome(False, str(_("The code is wrong, and that was the last try for it. Ask for a new one."))
                            ), None
        return _Outcome(False, str(_("The code is wrong. Tries left for this code: %(left)s.") % {"left": left})), None
    row.used_at = now
    row.save(update_fields=["used_at"])
    return _Outcome(True), row


def _failures(iin: str, now: dt.datetime) -> int:
    """Wrong codes in the window, counting only since the last lock-out ended."""
    since = now - LOCKOUT_WINDOW
    last_lock = Lockout.objects.filter(iin=iin).order_by("-until").first()
    if last_lock is not None and last_lock.until > since:
        since = last_lock.until
    total = OneTimeCode.objects.filter(iin=iin, created_at__gt=since - CODE_TTL).aggregate(
        n=Sum("failed_attempts"))["n"]
    return int(total or 0)


# ---------------------------------------------------------------- accounts

@transaction.atomic
def applicant_sign_in(*, code: OneTimeCode) -> User:
    """The account for a verified sign-in code: a citizen by IIN, or a business representative by BIN
    (only the head of the business in the register). Created at the first sign-in."""
    person = Person.objects.filter(iin=code.iin).first()
    if person is None:
        raise Forbidden(str(_("This IIN is not in the population register.")))
    if code.bin:
        if not Business.objects.filter(bin=code.bin, head_iin=code.iin).exists():
            raise Forbidden(str(_("You are not registered as the head of this business.")))
        username = f"{code.bin}-{code.iin}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, role=Role.BUSINESS, bin=code.bin, language=person.language,
                               first_name=person.given_name, last_name=person.surname)
    else:
        user = User.objects.filter(iin=code.iin).first()
        if user is None:
            username = code.iin if not User.objects.filter(username=code.iin).exists() else f"citizen-{code.iin}"
            user = user_create(username=username, role=Role.CITIZEN, iin=code.iin, language=person.language,
                               first_name=person.given_name, last_name=person.surname)
    if user.role not in APPLICANT_ROLES or not user.is_active:
        # An SMS code must never open a staff account, even when the member of staff has an IIN.
        raise Forbidden(str(_("This account cannot sign in here. Staff sign in with their password.")))
    audit_record(actor=user, action="portal.sign_in", object_type="user", object_id=user.pk,
                 subject_iin=code.iin, detail={"bin": code.bin} if code.bin else {})
    return user


def assist_open(*, consultant: User, iin: str) -> None:
    """A consultant starts helping a citizen who agreed with their code. Audited (the citizen sees it)."""
    if consultant.role != Role.CONSULTANT:
        raise Forbidden(str(_("Assisted sessions are opened by centre consultants.")))
    audit_record(actor=consultant, action="portal.assist.open", object_type="person", object_id=iin,
                 subject_iin=iin)


# ---------------------------------------------------------------- ratings

def rating_create(*, application: Application, actor: User, score: int, comment: str = "") -> Rating:
    """The applicant rates a service once its result is issued. One rating per application; nobody
    can change it afterwards. Feeds monitoring."""
    if actor.role not in APPLICANT_ROLES or application.applicant_iin not in (actor.iin, actor.bin):
        raise Forbidden(str(_("Only the applicant can rate this service.")))
    if application.status != Status.ISSUED:
        raise ValidationFailed(str(_("You can rate the service once you have received the result.")))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(str(_("Choose a score from 1 to 5.")), {"score": str(_("Choose a score from 1 to 5."))})
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                application=application, score=score, comment=comment.strip()[:2000], rated_by=actor,
                service_id=application.service_id, body_id=application.body_id, centre_id=application.centre_id,
                channel=application.channel, created_at=clock.now())
            audit_record(actor=actor, action="portal.rating", object_type="application",
                         object_id=application.number, subject_iin=application.applicant_iin,
                         detail={"score": score})
    except IntegrityError:
        raise Conflict(str(_("You have already rated this service."))) from None
    return rating


# ---------------------------------------------------------------- staff TOTP (second factor)

TOTP_FAILURES_BEFORE_SIGN_OUT = 5


def _unix(moment: dt.datetime) -> float:
    return moment.timestamp()


@transaction.atomic
def totp_begin(*, user: User) -> TotpDevice:
    """Start (or restart) enrolment with a fresh secret. A confirmed device is not replaced here."""
    if user.role in APPLICANT_ROLES:
        raise Forbidden(str(_("Citizens sign in with a code by SMS.")))
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise Conflict(str(_("Two-step sign-in is already on for this account.")))
    if device is None:
        device = TotpDevice(user=user)
    device.secret, device.created_at, device.last_step, device.failed_attempts = totp.new_secret(), clock.now(), 0, 0
    device.save()
    return device


def totp_confirm(*, user: User, code: str) -> TotpDevice:
    """Turn two-step sign-in on once the staff member proves their app shows the right code."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at=None).first()
        if device is None:
            raise ValidationFailed(str(_("Start the set-up first.")))
        step = totp.matching_step(device.secret, code, _unix(clock.now()))
        if step is not None:
            device.confirmed_at, device.last_step = clock.now(), step
            device.save(update_fields=["confirmed_at", "last_step"])
            audit_record(actor=user, action="staff.totp_enabled", object_type="user", object_id=user.pk)
            return device
    message = str(_("The code does not match. Check the time on your phone and try the next code."))
    raise ValidationFailed(message, {"code": message})


def totp_check(*, user: User, code: str) -> None:
    """Check the second factor at sign-in. A code is accepted once; after repeated failures the
    caller signs the session out (the password must be given again)."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).exclude(confirmed_at=None).first()
        if device is None:
            return
        step = totp.matching_step(device.secret, code, _unix(clock.now()), after_step=device.last_step)
        if step is not None:
            device.last_step, device.failed_attempts = step, 0
            device.save(update_fields=["last_step", "failed_attempts"])
            return
        device.failed_attempts += 1
        device.save(update_fields=["failed_attempts"])
        failures = device.failed_attempts
        if failures >= TOTP_FAILURES_BEFORE_SIGN_OUT:
            device.failed_attempts = 0
            device.save(update_fields=["failed_attempts"])
            audit_record(actor=user, action="staff.totp_failed", object_type="user", object_id=user.pk,
                         detail={"failures": failures})
    if failures >= TOTP_FAILURES_BEFORE_SIGN_OUT:
        raise LockedOut(str(_("Too many wrong codes. Sign in again with your password.")))
    message = str(_("The code is wrong or was already used. Enter the code your app shows now."))
    raise ValidationFailed(message, {"code": message})


def totp_required(user: User) -> bool:
    return TotpDevice.objects.filter(user=user).exclude(confirmed_at=None).exists()

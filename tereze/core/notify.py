"""Notifications through adapters, by the recipient's preference, in their language.

Every message lands in the outbox (Notification). E-mail goes out through Django's mail backend
after commit; SMS and voice wait in the outbox for a gateway adapter (`deliver_queued`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise

from tereze.core.models import Notification
from tereze.core.people import person_card

if TYPE_CHECKING:
    from tereze.core.models import User


class Gateway(Protocol):
    def send(self, notification: Notification) -> bool: ...


class EmailGateway:
    def send(self, notification: Notification) -> bool:
        sent = send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL,
                         [notification.address], fail_silently=True)
        return bool(sent)


class OutboxOnlyGateway:
    """Keeps SMS and voice messages in the outbox; a real operator's gateway replaces this."""

    def send(self, notification: Notification) -> bool:
        return False


GATEWAYS: dict[str, Gateway] = {
    Notification.Channel.EMAIL: EmailGateway(),
    Notification.Channel.SMS: OutboxOnlyGateway(),
    Notification.Channel.VOICE: OutboxOnlyGateway(),
}


def _render(subject: str | Promise, body: str | Promise, params: Mapping[str, Any] | None,
            language: str) -> tuple[str, str]:
    """Subject and body in the recipient's language, filled in (lazy parameters in that language too)."""
    with translation.override(language):
        values = {k: str(v) for k, v in (params or {}).items()}
        return str(subject) % values, str(body) % values


def deliver(ids: list[int]) -> int:
    """Send queued notifications through their gateways; safe to run twice (only QUEUED ones go)."""
    sent = 0
    for notification in Notification.objects.filter(pk__in=ids, status=Notification.Status.QUEUED):
        if GATEWAYS[notification.channel].send(notification):
            sent += Notification.objects.filter(pk=notification.pk, status=Notification.Status.QUEUED).update(
                status=Notification.Status.SENT, sent_at=timezone.now())
    return sent


def queued_about(object_refs: list[str]) -> list[int]:
    return list(Notification.objects.filter(object_ref__in=object_refs, status=Notification.Status.QUEUED)
                .values_list("pk", flat=True))


def stragglers(older_than: dt.timedelta = dt.timedelta(minutes=2)) -> QuerySet[Notification, int]:
    """Queued messages with a live gateway that nobody delivered."""
    live = [channel for channel, gateway in GATEWAYS.items() if not isinstance(gateway, OutboxOnlyGateway)]
    return Notification.objects.filter(status=Notification.Status.QUEUED, channel__in=live,
                                       created_at__lt=timezone.now() - older_than).values_list("pk", flat=True)


def live(notification: Notification) -> bool:
    """Has a gateway that sends now (e-mail), rather than waiting in the outbox."""
    return not isinstance(GATEWAYS[notification.channel], OutboxOnlyGateway)


def _deliver_after_commit(notifications: list[Notification]) -> None:
    """Hand messages with a live gateway (e-mail) to the worker once the transaction commits, so a
    request never waits on a mail server and a rolled-back change sends nothing."""
    ids = [n.pk for n in notifications if n.pk and live(n)]
    if ids:
        from tereze.core.tasks import deliver_notifications

        transaction.on_commit(lambda: deliver_notifications(ids))


class _Handoff:
    """What the worker is to send about, gathered per process and handed over as one task every
    `SECONDS`: one queue write for a batch of applications instead of one each (a twelfth of an
    intake request's CPU). A process that dies in between loses only the hand-off: the messages
    wait in the outbox and `deliver_stragglers` sends them."""

    SECONDS = 0.2

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.refs: list[str] = []
        self.timer: threading.Timer | None = None

    def add(self, object_ref: str) -> None:
        if settings.HUEY.get("immediate"):  # no worker process (TEREZE_HUEY_IMMEDIATE): send now
            self.hand_over([object_ref])
            return
        with self.lock:
            self.refs.append(object_ref)
            if self.timer is None:
                self.timer = threading.Timer(self.SECONDS, self.flush)
                self.timer.start()

    def flush(self) -> None:
        with self.lock:
            refs, self.refs = self.refs, []
            if self.timer is not None:
                self.timer.cancel()  # when called before it fires
                self.timer = None
        if refs:
            self.hand_over(refs)

    @staticmethod
    def hand_over(refs: list[str]) -> None:
        from tereze.core.tasks import deliver_notifications_about

        deliver_notifications_about(refs)


_handoff = _Handoff()


def deliver_after_commit_for(object_ref: str, notifications: list[Notification]) -> None:
    """The same, for messages written without their ids coming back (saved together with a change)."""
    if any(live(n) for n in notifications):
        transaction.on_commit(lambda: _handoff.add(object_ref))


def notify_citizen(*, iin: str, topic: str, subject: str | Promise, body: str | Promise,
                   params: Mapping[str, Any] | None = None, object_ref: str = "",
                   channels: list[str] | None = None) -> list[Notification]:
    """Message a citizen by the channels they chose (SMS when they chose none), in their language."""
    created = Notification.objects.bulk_create(citizen_notifications(
        iin=iin, topic=topic, subject=subject, body=body, params=params, object_ref=object_ref, channels=channels))
    _deliver_after_commit(created)
    return created


def citizen_notifications(*, iin: str, topic: str, subject: str | Promise, body: str | Promise,
                          params: Mapping[str, Any] | None = None, object_ref: str = "",
                          channels: list[str] | None = None) -> list[Notification]:
    """The messages, unsaved: one per channel the citizen chose and has an address for."""
    person = person_card(iin)
    if person is None:
        return []
    language = person.language
    wanted = channels or person.notify_by or [Notification.Channel.SMS]
    addresses: dict[str, str] = {
        Notification.Channel.EMAIL: person.email,
        Notification.Channel.SMS: person.phone,
        Notification.Channel.VOICE: person.phone,
    }
    wanted = [channel for channel in wanted if addresses.get(channel)]
    if not wanted:
        return []
    subject, body = _render(subject, body, params, language)
    return [Notification(recipient_iin=iin, address=addresses[channel], channel=channel, language=language,
                         subject=subject, body=body, topic=topic, object_ref=object_ref)
            for channel in wanted]


def notify_staff(*, user: User, topic: str, subject: str | Promise, body: str | Promise,
                 params: Mapping[str, Any] | None = None, object_ref: str = "") -> Notification:
    """Message an official (e-mail when they have one; the outbox otherwise)."""
    notification = staff_notification(user_id=user.pk, email=user.email, language=user.language, topic=topic,
                                      subject=subject, body=body, params=params, object_ref=object_ref)
    notification.save(force_insert=True)
    if user.email:
        _deliver_after_commit([notification])
    return notification


def staff_notification(*, user_id: int, email: str, language: str, topic: str, subject: str | Promise,
                       body: str | Promise, params: Mapping[str, Any] | None = None,
                       object_ref: str = "") -> Notification:
    """The message to an official, unsaved."""
    subject, body = _render(subject, body, params, language)
    return Notification(recipient_user_id=user_id, address=email, channel=Notification.Channel.EMAIL,
                        language=language, subject=subject, body=body, topic=topic, object_ref=object_ref)

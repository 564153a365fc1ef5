"""Notifications through adapters, by the recipient's preference, in their language.

Every message lands in the outbox (Notification). E-mail goes out through Django's mail backend
after commit; SMS and voice wait in the outbox for a gateway adapter (`deliver_queued`).
"""

from __future__ import annotations

import datetime as dt
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


def _render(text: str | Promise, params: Mapping[str, Any], language: str) -> str:
    with translation.override(language):
        return str(text) % {k: str(v) for k, v in params.items()}


def deliver(ids: list[int]) -> int:
    """Send queued notifications through their gateways; safe to run twice (only QUEUED ones go)."""
    sent = 0
    for notification in Notification.objects.filter(pk__in=ids, status=Notification.Status.QUEUED):
        if GATEWAYS[notification.channel].send(notification):
            sent += Notification.objects.filter(pk=notification.pk, status=Notification.Status.QUEUED).update(
                status=Notification.Status.SENT, sent_at=timezone.now())
    return sent


def queued_about(object_ref: str) -> list[int]:
    return list(Notification.objects.filter(object_ref=object_ref, status=Notification.Status.QUEUED)
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


def deliver_after_commit_for(object_ref: str, notifications: list[Notification]) -> None:
    """The same, for messages written without their ids coming back (saved together with a change)."""
    if any(live(n) for n in notifications):
        from tereze.core.tasks import deliver_notifications_about

        transaction.on_commit(lambda: deliver_notifications_about(object_ref))


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
    return [Notification(recipient_iin=iin, address=addresses[channel], channel=channel, language=language,
                         subject=_render(subject, params or {}, language), body=_render(body, params or {}, language),
                         topic=topic, object_ref=object_ref)
            for channel in wanted if addresses.get(channel)]


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
    return Notification(
        recipient_user_id=user_id, address=email, channel=Notification.Channel.EMAIL, language=language,
        subject=_render(subject, params or {}, language), body=_render(body, params or {}, language),
        topic=topic, object_ref=object_ref)

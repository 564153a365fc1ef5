import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from tereze.core.models import Notification
from tereze.core.notify import (
    _handoff,
    citizen_notifications,
    deliver,
    deliver_after_commit_for,
    notify_citizen,
    stragglers,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_citizen_is_messaged_by_their_channels_in_their_language(django_capture_on_commit_callbacks) -> None:
    person = factories.person(language="ru", notify_by=["sms", "email"])
    with django_capture_on_commit_callbacks(execute=True):
        created = notify_citizen(iin=person.iin, topic="t", subject="Заявка %(n)s", body="Текст", params={"n": 7})
    assert {n.channel for n in created} == {"sms", "email"}
    assert Notification.objects.get(channel="sms").status == "queued"  # waits in the outbox for a gateway
    assert Notification.objects.get(channel="email").status == "sent"
    assert mail.outbox[0].subject == "Заявка 7"


def test_lost_hand_offs_are_delivered_later_exactly_once() -> None:
    person = factories.person(notify_by=["email"])
    notify_citizen(iin=person.iin, topic="t", subject="s", body="b")  # no commit callbacks run: hand-off lost
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    late = list(stragglers())
    assert len(late) == 1
    assert deliver(late) == 1 and deliver(late) == 0
    assert len(mail.outbox) == 1


def test_e_mails_about_several_applications_go_to_the_worker_together(settings,
                                                                       django_capture_on_commit_callbacks) -> None:
    settings.HUEY = {**settings.HUEY, "immediate": False}  # as in production: a worker process sends
    people = [factories.person(notify_by=["email"]) for _ in range(3)]
    for n, person in enumerate(people):
        with django_capture_on_commit_callbacks(execute=True):  # each application's own commit
            written = Notification.objects.bulk_create(citizen_notifications(
                iin=person.iin, topic="t", subject="s", body="b", object_ref=f"A-{n}"))
            deliver_after_commit_for(f"A-{n}", written)
    assert mail.outbox == []  # gathered, not yet handed to the worker
    _handoff.flush()  # what the timer does a fifth of a second after the first
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert not Notification.objects.filter(status="queued").exists()

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from tereze.core.models import Notification
from tereze.core.notify import deliver, notify_citizen, stragglers
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

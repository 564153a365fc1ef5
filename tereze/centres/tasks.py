"""Background work of the queue: the near-front SMS (off the operator's request path) and the
sweep that closes each centre's day (waiting tickets cancelled, unchecked bookings lapsed)."""

from __future__ import annotations

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tereze.centres import actions
from tereze.centres.hours import hours_on
from tereze.centres.models import Centre, Counter
from tereze.core import clock


@db_task(retries=3, retry_delay=10)
def near_front_sms(counter_id: int) -> int:
    """Tolerates running twice: each ticket is texted once (NearFrontNotice)."""
    counter = Counter.objects.filter(pk=counter_id).first()
    return actions.notify_near_front(counter=counter) if counter is not None else 0


def queue_sweep() -> dict[str, int]:
    """Close every centre's finished days. Safe to rerun: only what is still open changes."""
    today, now = clock.today(), clock.now()
    totals = {"cancelled": 0, "lapsed": 0}
    for centre in Centre.objects.all():
        opening = hours_on(centre, today)
        closed_for_today = opening is None or now >= opening[1]
        day = today if closed_for_today else today - dt.timedelta(days=1)
        for key, value in actions.queue_close_day(centre=centre, day=day).items():
            totals[key] += value
    return totals


@db_periodic_task(crontab(minute="*/30"))
def sweep_queues() -> dict[str, int]:
    return queue_sweep()

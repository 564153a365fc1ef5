"""Periodic work: the deadline sweep (warnings, overdue, escalation, pending assignment)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tereze.applications.actions import deadline_sweep


@db_periodic_task(crontab(minute="*/15"))
def sweep_deadlines() -> dict[str, int]:
    return deadline_sweep()

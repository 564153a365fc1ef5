"""Periodic work: deadline sweep (warnings, overdue, escalation, pending assignment) and audit sealing."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tereze.applications.actions import deadline_sweep
from tereze.core.audit import audit_seal


@db_periodic_task(crontab(minute="*/15"))
def sweep_deadlines() -> dict[str, int]:
    return deadline_sweep()


@db_periodic_task(crontab(minute="*"))
def seal_audit_log() -> int:
    return audit_seal()

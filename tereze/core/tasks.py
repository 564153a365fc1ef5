"""Background work of the core: delivering notifications and sealing the audit chain."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tereze.core.audit import audit_seal
from tereze.core.notify import deliver, queued_about, stragglers


@db_task(retries=3, retry_delay=30)
def deliver_notifications(ids: list[int]) -> int:
    return deliver(ids)


@db_task(retries=3, retry_delay=30)
def deliver_notifications_about(object_refs: list[str] | str) -> int:
    if isinstance(object_refs, str):  # queued by a version that handed over one application per task
        object_refs = [object_refs]
    return deliver(queued_about(object_refs))


@db_periodic_task(crontab(minute="*/5"))
def deliver_stragglers() -> int:
    """E-mails whose after-commit hand-off was lost (a worker or server died in between)."""
    return deliver(list(stragglers()))


@db_periodic_task(crontab(minute="*"))
def seal_audit_log() -> int:
    return audit_seal()

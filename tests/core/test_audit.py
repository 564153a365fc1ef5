from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from tereze.core.audit import audit_record, audit_seal, audit_verify
from tereze.core.models import AuditEntry


@contextmanager
def as_a_dba_bypassing_triggers():
    """Tampering on PostgreSQL needs a superuser switching triggers off; the chain must still tell."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def _entries(n: int) -> None:
    for i in range(n):
        audit_record(actor=None, action="test.action", object_type="thing", object_id=i, detail={"i": i})
    audit_seal()


@pytest.mark.django_db
def test_intact_chain_verifies_and_command_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    _entries(5)
    assert audit_verify() == (5, None)
    call_command("audit_verify")
    assert "intact: 5 entries" in capsys.readouterr().out


@pytest.mark.django_db
def test_edited_entry_is_named_and_command_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    _entries(5)
    third = AuditEntry.objects.get(chain_seq=3)
    with as_a_dba_bypassing_triggers():
        AuditEntry.objects.filter(pk=third.pk).update(action="test.forged")
    checked, broken = audit_verify()
    assert checked == 2 and broken is not None and broken.seq == 3 and "edited" in broken.reason
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify")
    assert exit_info.value.code == 1
    assert "BROKEN at entry 3" in capsys.readouterr().err


@pytest.mark.django_db
def test_deleted_entry_breaks_the_chain() -> None:
    _entries(5)
    with as_a_dba_bypassing_triggers():
        AuditEntry.objects.filter(chain_seq=2).delete()
    _, broken = audit_verify()
    assert broken is not None and broken.seq == 2 and "missing" in broken.reason


@pytest.mark.django_db
def test_deleting_the_last_entries_is_detected_by_the_head() -> None:
    _entries(5)
    with as_a_dba_bypassing_triggers():
        AuditEntry.objects.filter(chain_seq__gte=4).delete()
    _, broken = audit_verify()
    assert broken is not None and "removed from the end" in broken.reason


@pytest.mark.django_db
def test_sealing_twice_changes_nothing_and_late_entries_join_the_chain() -> None:
    _entries(3)
    assert audit_seal() == 0
    _entries(2)
    assert audit_verify() == (5, None)


@pytest.mark.django_db
def test_postgresql_itself_refuses_to_change_audit_entries_and_events(world) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("database triggers are installed on PostgreSQL")
    from tereze.applications.models import ApplicationEvent
    from tests.applications.helpers import submit

    submit(world)
    _entries(1)
    for attempt in (lambda: AuditEntry.objects.filter(chain_seq=1).update(action="x"),
                    lambda: AuditEntry.objects.all().delete(),
                    lambda: ApplicationEvent.objects.update(kind="x"),
                    lambda: ApplicationEvent.objects.all().delete()):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()

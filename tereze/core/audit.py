"""The audit log: record, seal into a SHA-256 chain, verify.

`audit_record` is called inside the acting transaction (so the entry commits with the change).
`audit_seal` chains unsealed entries in id order under a lock on the chain head; it runs from a
periodic task and before every verification. `audit_verify` walks the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from tereze.core.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from tereze.core.models import User

SEAL_BATCH = 5000


def audit_record(
    *,
    actor: User | None,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    subject_iin: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry. A staff actor's centre or body is recorded so citizens see who looked."""
    entry = audit_entry(actor=actor, action=action, object_type=object_type, object_id=object_id,
                        subject_iin=subject_iin, detail=detail)
    entry.save(force_insert=True)
    return entry


def audit_entry(*, actor: User | None, action: str, object_type: str = "", object_id: str | int = "",
                subject_iin: str = "", detail: dict[str, Any] | None = None) -> AuditEntry:
    """The entry, unsaved (for callers that write it together with the change it records)."""
    staff = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry(
        actor=staff,
        actor_role=staff.role if staff else "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        subject_iin=subject_iin,
        body_id=staff.body_id if staff else None,
        centre_id=staff.centre_id if staff else None,
        detail=detail or {},
    )


def audit_personal_data_view(*, viewer: User, subject_iin: str, object_type: str, object_id: str | int) -> None:
    """Every view of a citizen's personal data by staff is audited (the citizen can see it)."""
    if viewer.iin and viewer.iin == subject_iin:
        return
    audit_record(actor=viewer, action="personal_data.view", object_type=object_type,
                 object_id=object_id, subject_iin=subject_iin)


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    content = {
        "seq": entry.chain_seq,
        "id": entry.pk,
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "role": entry.actor_role,
        "action": entry.action,
        "object": [entry.object_type, entry.object_id],
        "subject": entry.subject_iin,
        "body": entry.body_id,
        "centre": entry.centre_id,
        "detail": entry.detail,
        "prev": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_seal() -> int:
    """Chain every unsealed entry; returns how many were sealed. Safe to run concurrently."""
    sealed = 0
    while True:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.get_or_create(pk=1)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
            batch = list(AuditEntry.objects.filter(chain_seq=None).order_by("id")[:SEAL_BATCH])
            if not batch:
                return sealed
            for entry in batch:
                entry.chain_seq = head.last_seq + 1
                entry.prev_hash = head.last_hash
                entry.hash = entry_hash(entry, head.last_hash)
                head.last_seq, head.last_hash = entry.chain_seq, entry.hash
            AuditEntry.objects.bulk_update(batch, ["chain_seq", "prev_hash", "hash"], batch_size=500)
            head.save(update_fields=["last_seq", "last_hash"])
            sealed += len(batch)


@dataclass
class ChainBreak:
    seq: int
    entry_id: int | None
    reason: str


def _sealed_in_order() -> Iterator[AuditEntry]:
    last = 0
    while True:
        chunk = list(AuditEntry.objects.filter(chain_seq__gt=last).order_by("chain_seq")[:SEAL_BATCH])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].chain_seq or last


def audit_verify() -> tuple[int, ChainBreak | None]:
    """Walk the chain; returns (entries checked, first break or None)."""
    expected_seq, prev_hash, checked = 1, "", 0
    for entry in _sealed_in_order():
        if entry.chain_seq != expected_seq:
            return checked, ChainBreak(expected_seq, None, f"entry {expected_seq} is missing (deleted)")
        if entry.prev_hash != prev_hash:
            return checked, ChainBreak(expected_seq, entry.pk, "previous hash does not match (an earlier entry "
                                                                "was changed or removed)")
        if entry_hash(entry, prev_hash) != entry.hash:
            return checked, ChainBreak(expected_seq, entry.pk, "content does not match its hash (edited)")
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_seq != checked or head.last_hash != prev_hash):
        return checked, ChainBreak(checked + 1, None, f"chain ends at {checked} but its head says {head.last_seq} "
                                                      "(entries were removed from the end)")
    return checked, None

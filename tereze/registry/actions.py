"""Writes to the register: publishing standard versions and importing the register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from tereze.core.audit import audit_record
from tereze.core.errors import ValidationFailed
from tereze.core.models import User
from tereze.registry.models import Region, Service, Standard, StateBody
from tereze.registry.selectors import CHILDREN, SERVICE_FIELDS, STANDARD_FIELDS, forget_intake_cache


@transaction.atomic
def standard_new_version(*, standard: Standard, valid_from: dt.date, actor: User | None) -> Standard:
    """Copy a standard into a new unpublished version starting on `valid_from`; the original is
    untouched (applications filed under it keep it)."""
    latest = Standard.objects.filter(service=standard.service).order_by("-version").first()
    assert latest is not None
    copy = Standard.objects.create(
        service=standard.service, version=latest.version + 1, published=False, valid_from=valid_from,
        **{f: getattr(standard, f) for f in STANDARD_FIELDS if f not in ("version", "published", "valid_from",
                                                                          "valid_to")},
    )
    for relation, fields in CHILDREN.items():
        for child in getattr(standard, relation).all():
            getattr(copy, relation).create(**{f: getattr(child, f) for f in fields})
    audit_record(actor=actor, action="standard.new_version", object_type="standard", object_id=copy.pk,
                 detail={"service": standard.service.code, "version": copy.version, "from": standard.version})
    return copy


@transaction.atomic
def standard_publish(*, standard: Standard, actor: User | None) -> Standard:
    """Publish a draft version. From then on it is read-only."""
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if standard.published:
        raise ValidationFailed(f"{standard} is already published")
    if not standard.channels:
        raise ValidationFailed("a standard must offer at least one channel", {"channels": "empty"})
    standard.published = True
    standard.save(update_fields=["published"])
    forget_intake_cache()  # this process at once; other processes within the cache's minute
    audit_record(actor=actor, action="standard.publish", object_type="standard", object_id=standard.pk,
                 detail={"service": standard.service.code, "version": standard.version})
    return standard


def _bodies_in_order(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_code = {b["code"]: b for b in bodies}
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()

    def place(body: dict[str, Any], trail: tuple[str, ...] = ()) -> None:
        if body["code"] in placed:
            return
        if body["code"] in trail:
            raise ValidationFailed(f"state body {body['code']} is its own ancestor")
        parent = body.get("parent")
        if parent:
            if parent not in by_code and not StateBody.objects.filter(code=parent).exists():
                raise ValidationFailed(f"state body {body['code']} names unknown parent {parent}")
            if parent in by_code:
                place(by_code[parent], (*trail, body["code"]))
        ordered.append(body)
        placed.add(body["code"])

    for body in bodies:
        place(body)
    return ordered


@transaction.atomic
def register_import(*, data: dict[str, Any], actor: User | None = None) -> dict[str, int]:
    """Load a register exported by `register_as_dict`; existing rows (by code / version) are updated
    only while unpublished, so an import never rewrites a published standard."""
    if data.get("format") != "tereze-register/1":
        raise ValidationFailed("not a Tereze register file (format must be tereze-register/1)")
    counts = {"regions": 0, "bodies": 0, "services": 0, "standards": 0}
    for region in data.get("regions", []):
        Region.objects.update_or_create(code=region["code"], defaults=region)
        counts["regions"] += 1
    for item in _bodies_in_order(data.get("bodies", [])):
        StateBody.objects.update_or_create(code=item["code"], defaults={
            **{k: item[k] for k in ("name_kk", "name_ru", "name_en", "level")},
            "parent": StateBody.objects.get(code=item["parent"]) if item.get("parent") else None,
            "region": Region.objects.get(code=item["region"]) if item.get("region") else None,
        })
        counts["bodies"] += 1
    for entry in data.get("services", []):
        try:
            body = StateBody.objects.get(code=entry["body"])
        except StateBody.DoesNotExist:
            raise ValidationFailed(f"service {entry['code']} names unknown body {entry['body']}") from None
        service = Service.objects.filter(code=entry["code"]).first() or Service(code=entry["code"])
        for f in SERVICE_FIELDS:
            setattr(service, f, entry[f])
        service.body = body
        service.save()
        counts["services"] += 1
        for item in entry.get("standards", []):
            existing = Standard.objects.filter(service=service, version=item["version"]).first()
            if existing is not None and existing.published:
                continue  # published versions are immutable
            if existing is not None:
                existing.delete()
            standard = Standard.objects.create(service=service, **{f: item[f] for f in STANDARD_FIELDS})
            for relation, fields in CHILDREN.items():
                for child in item.get(relation, []):
                    getattr(standard, relation).create(**{f: child[f] for f in fields})
            counts["standards"] += 1
    audit_record(actor=actor, action="register.import", detail=counts)
    return counts

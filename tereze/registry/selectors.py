"""Reads of the register: search, the standard in force, and the register as plain data."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from tereze.core import clock
from tereze.core.errors import NotFound
from tereze.registry.models import Service, Standard


def service_search(*, q: str = "", category: str = "") -> QuerySet[Service]:
    """Services whose names or descriptions in any of kk/ru/en contain every word of `q`."""
    services = Service.objects.select_related("body").order_by("code")
    for word in q.lower().split()[:8]:
        services = services.filter(search_text__contains=word)
    if category:
        services = services.filter(category=category)
    return services


def categories() -> list[str]:
    return list(Service.objects.order_by("category").values_list("category", flat=True).distinct())


_INTAKE_CACHE_SECONDS = 60
_intake_cache: dict[tuple[str, dt.date], tuple[float, Standard]] = {}


def standard_for_intake(*, code: str, on: dt.date) -> Standard | None:
    """The standard in force with its documents, tiers and grounds, cached per process for a minute.

    Published versions never change, so the only staleness is a version published to start today
    being seen up to a minute late. Intake is the hot path; this spares it four queries."""
    key = (code, on)
    cached = _intake_cache.get(key)
    if cached and time.monotonic() - cached[0] < _INTAKE_CACHE_SECONDS:
        return cached[1]
    standard = (Standard.objects.in_force(on).filter(service__code=code).select_related("service", "service__body")
                .prefetch_related("documents", "tiers", "refusal_grounds").first())
    if standard is not None:
        if len(_intake_cache) > 10_000:
            _intake_cache.clear()
        _intake_cache[key] = (time.monotonic(), standard)
    return standard


def forget_intake_cache() -> None:
    _intake_cache.clear()


def standard_in_force(*, code: str, on: dt.date | None = None) -> Standard:
    on = on or clock.today()
    standard = (
        Standard.objects.in_force(on).filter(service__code=code)
        .select_related("service", "service__body")
        .prefetch_related("documents", "tiers", "steps", "refusal_grounds")
        .first()
    )
    if standard is None:
        if not Service.objects.filter(code=code).exists():
            raise NotFound(f"there is no service with code '{code}'")
        raise NotFound(f"service {code} has no standard in force on {on.isoformat()}")
    return standard


# ---------------------------------------------------------------- register as data (export/import)

SERVICE_FIELDS = ["code", "name_kk", "name_ru", "name_en", "description_kk", "description_ru", "description_en",
                  "recipient_type", "category"]
STANDARD_FIELDS = ["version", "published", "valid_from", "valid_to", "deadline_working_days", "fee", "result_type",
                   "channels", "access_model", "allows_suspension", "legal_basis", "average_service_minutes"]
CHILDREN = {
    "documents": ["code", "name_kk", "name_ru", "name_en", "source", "register_name", "order"],
    "tiers": ["code", "name_kk", "name_ru", "name_en", "deadline_working_days", "fee"],
    "steps": ["order", "name_kk", "name_ru", "name_en", "role", "norm_minutes"],
    "refusal_grounds": ["code", "text_kk", "text_ru", "text_en"],
}


def plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def standard_as_dict(standard: Standard) -> dict[str, Any]:
    data = {f: plain(getattr(standard, f)) for f in STANDARD_FIELDS}
    for relation, fields in CHILDREN.items():
        data[relation] = [{f: plain(getattr(child, f)) for f in fields} for child in getattr(standard, relation).all()]
    return data


def register_as_dict() -> dict[str, Any]:
    """The whole register (regions, bodies, services with every standard version) as JSON-ready data."""
    from tereze.registry.models import Region, StateBody

    standards = Standard.objects.order_by("version").prefetch_related(*CHILDREN)
    services = Service.objects.select_related("body").prefetch_related(Prefetch("standards", queryset=standards))
    return {
        "format": "tereze-register/1",
        "regions": [{f: getattr(r, f) for f in ("code", "name_kk", "name_ru", "name_en", "kind", "population")}
                    for r in Region.objects.order_by("code")],
        "bodies": [{"code": b.code, "name_kk": b.name_kk, "name_ru": b.name_ru, "name_en": b.name_en,
                    "level": b.level, "parent": b.parent.code if b.parent else None,
                    "region": b.region.code if b.region else None}
                   for b in StateBody.objects.select_related("parent", "region").order_by("code")],
        "services": [{**{f: getattr(s, f) for f in SERVICE_FIELDS}, "body": s.body.code,
                      "standards": [standard_as_dict(st) for st in s.standards.all()]}
                     for s in services.order_by("code")],
    }

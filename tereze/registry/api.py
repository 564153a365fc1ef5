import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import translation
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from tereze.registry.models import Service
from tereze.registry.selectors import service_search, standard_as_dict, standard_in_force

router = Router(tags=["register"])


class ServiceFilter(Schema):
    q: str = Field("", max_length=200, description="words searched in Kazakh, Russian and English")
    lang: str = Field("ru", pattern="^(kk|ru|en)$")
    category: str = Field("", max_length=40)


class ServiceOut(Schema):
    code: str
    name: str
    description: str
    category: str
    recipient_type: str
    body: str

    @staticmethod
    def resolve_name(service: Service) -> str:
        return service.t("name")

    @staticmethod
    def resolve_description(service: Service) -> str:
        return service.t("description")

    @staticmethod
    def resolve_body(service: Service) -> str:
        return service.body.t("name")


class DocumentOut(Schema):
    code: str
    name_kk: str
    name_ru: str
    name_en: str
    source: str
    register_name: str
    order: int


class TierOut(Schema):
    code: str
    name_kk: str
    name_ru: str
    name_en: str
    deadline_working_days: int
    fee: Decimal


class StepOut(Schema):
    order: int
    name_kk: str
    name_ru: str
    name_en: str
    role: str
    norm_minutes: int


class GroundOut(Schema):
    code: str
    text_kk: str
    text_ru: str
    text_en: str


class StandardOut(Schema):
    code: str
    name_kk: str
    name_ru: str
    name_en: str
    description_kk: str
    description_ru: str
    description_en: str
    body: str
    version: int
    valid_from: dt.date
    valid_to: dt.date | None
    deadline_working_days: int
    fee: Decimal
    result_type: str
    channels: list[str]
    access_model: str
    allows_suspension: bool
    legal_basis: str
    documents: list[DocumentOut]
    tiers: list[TierOut]
    steps: list[StepOut]
    refusal_grounds: list[GroundOut]


class BoundedPages(PageNumberPagination):
    """Page numbers within reason: a huge page number overflows the database's OFFSET (500, not 422)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000)
        page_size: int | None = Field(None, ge=1, le=100)


@router.get("", response=list[ServiceOut], auth=None, summary="Search the register of public services")
@paginate(BoundedPages, page_size=20)
def service_list(request: HttpRequest, filters: Query[ServiceFilter]) -> QuerySet[Service]:
    translation.activate(filters.lang)  # the names are rendered after this returns, in this language
    return service_search(q=filters.q, category=filters.category)


class OnDate(Schema):
    on: dt.date | None = Field(None, description="the standard in force on this date (default today)")


@router.get("/{code}", response=StandardOut, auth=None, summary="A service with its standard in force")
def service_detail(request: HttpRequest, code: str, params: Query[OnDate]) -> dict[str, object]:
    standard = standard_in_force(code=code, on=params.on)
    service = standard.service
    return {**standard_as_dict(standard), "code": service.code, "body": service.body.code,
            **{f"{f}_{lang}": getattr(service, f"{f}_{lang}") for f in ("name", "description")
               for lang in ("kk", "ru", "en")}}

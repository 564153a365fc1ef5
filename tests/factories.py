"""Factories for the domain: a small country with one body, one service and its staff."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import factory

from tereze.centres.models import DEFAULT_HOURS, Centre, Counter
from tereze.core.actions import user_create
from tereze.core.identity import make_iin
from tereze.core.models import Person, User
from tereze.registry.models import (
    AccessModel,
    Channel,
    RefusalGround,
    Region,
    RequiredDocument,
    Service,
    Standard,
    StateBody,
    Tier,
)

_serial = itertools.count(1)
PDF = b"%PDF-1.4\n% test document\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name_kk = factory.LazyAttribute(lambda o: f"{o.code} облысы")
    name_ru = factory.LazyAttribute(lambda o: f"{o.code} область")
    name_en = factory.LazyAttribute(lambda o: f"{o.code} region")
    kind = "region"
    population = 1_000_000


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StateBody

    code = factory.Sequence(lambda n: f"body-{n}")
    name_kk = factory.LazyAttribute(lambda o: f"{o.code} министрлігі")
    name_ru = factory.LazyAttribute(lambda o: f"Министерство {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Ministry {o.code}")
    level = StateBody.Level.MINISTRY


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name_kk = "Жылжымайтын мүлікті тіркеу"
    name_ru = "Регистрация прав на недвижимое имущество"
    name_en = "Registration of real estate rights"
    description_kk = "Пәтерге немесе үйге құқықты тіркеу."
    description_ru = "Регистрация права на квартиру или дом."
    description_en = "Registers your right to a flat or a house."
    recipient_type = "individual"
    category = "property"
    body = factory.SubFactory(BodyFactory)


def make_standard(service: Service, *, version: int = 1, valid_from: dt.date = dt.date(2024, 1, 1),
                  deadline: int = 15, channels: list[str] | None = None, access_model: str = AccessModel.SINGLE,
                  allows_suspension: bool = True, published: bool = True) -> Standard:
    """A property-registration-like standard: identity from the register, a contract from the applicant,
    a paid 2-day tier, one refusal ground."""
    standard = Standard.objects.create(
        service=service, version=version, valid_from=valid_from, published=published,
        deadline_working_days=deadline, fee="1000.00", result_type="registration",
        channels=channels or [Channel.CENTRE, Channel.PORTAL], access_model=access_model,
        allows_suspension=allows_suspension, legal_basis="Law on state registration of rights, art. 20")
    RequiredDocument.objects.create(standard=standard, code="identity", name_kk="Жеке куәлік",
                                    name_ru="Удостоверение личности", name_en="Identity document",
                                    source="register", register_name="population", order=1)
    RequiredDocument.objects.create(standard=standard, code="contract", name_kk="Шарт", name_ru="Договор",
                                    name_en="Contract of sale", source="applicant", order=2)
    Tier.objects.create(standard=standard, code="fast", name_kk="Жедел", name_ru="Ускоренно", name_en="Fast track",
                        deadline_working_days=2, fee="15000.00")
    RefusalGround.objects.create(standard=standard, code="G1", text_kk="Құжаттар толық емес",
                                 text_ru="Документы неполные", text_en="The documents are incomplete")
    return standard


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre

    code = factory.Sequence(lambda n: f"centre-{n}")
    name_kk = factory.LazyAttribute(lambda o: f"ХҚКО {o.code}")
    name_ru = factory.LazyAttribute(lambda o: f"ЦОН {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Centre {o.code}")
    region = factory.SubFactory(RegionFactory)
    address = "ул. Абая, 1"
    opening_hours = DEFAULT_HOURS


def new_iin() -> str:
    n = next(_serial)
    return make_iin(birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=(n * 37) % (365 * 60)), sex="MF"[n % 2],
                    serial=n * 3 % 9000)


def person(iin: str | None = None, **fields: object) -> Person:
    defaults: dict[str, object] = dict(surname="Ахметова", given_name="Айгерим", patronymic="Сериковна",
                                       birth_date=dt.date(1990, 5, 4), sex="F", phone="+7 701 234 56 78",
                                       email="aigerim@example.kz", language="kk", notify_by=["sms", "email"])
    return Person.objects.create(iin=iin or new_iin(), **{**defaults, **fields})


def staff(role: str, **scope: object) -> User:
    return user_create(username=f"{role}-{next(_serial)}", role=role, password="correct-horse-battery",  # noqa: S106
                       **scope)  # type: ignore[arg-type]


def citizen(p: Person | None = None) -> User:
    p = p or person()
    return user_create(username=f"citizen-{p.iin}", role="citizen", iin=p.iin, password="correct-horse-battery")  # noqa: S106


@dataclass
class CentreRooms:
    """A centre before its day starts: two services of one body, four windows taking both, a
    consultant's desk and an operator per window; another centre with one window and its operator."""

    body: StateBody
    service: Service
    other_service: Service
    centre: Centre
    other_centre: Centre
    windows: list[Counter]
    desk: Counter
    other_window: Counter
    operators: list[User]
    other_operator: User


def centre_rooms() -> CentreRooms:
    from tereze.centres import actions as centres

    body = BodyFactory()
    service = ServiceFactory(body=body, category="property")
    other_service = ServiceFactory(body=body, category="transport")
    make_standard(service)
    make_standard(other_service)
    centre, other_centre = CentreFactory(), CentreFactory()
    windows = [centres.counter_create(centre=centre, number=n, services=[service, other_service]) for n in (1, 2, 3, 4)]
    return CentreRooms(
        body=body, service=service, other_service=other_service, centre=centre, other_centre=other_centre,
        windows=windows, desk=centres.counter_create(centre=centre, number=9, kind=Counter.Kind.CONSULTANT),
        other_window=centres.counter_create(centre=other_centre, number=1, services=[service]),
        operators=[staff("operator", centre_id=centre.pk) for _ in windows],
        other_operator=staff("operator", centre_id=other_centre.pk))

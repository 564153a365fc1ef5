"""The demo country: Kazakhstan's 20 regions, its state bodies and register of services, public
service centres with staff, citizens and businesses, and a few weeks of application history
replayed through the real actions (so every event and figure is honest).

Deterministic for a seed, except the reviewer draw: that uses the system's secure randomness on
purpose (nobody, not even the generator, chooses who reviews).
"""

from __future__ import annotations

import csv
import datetime as dt
import heapq
import json
import random
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings

from tereze.applications import actions
from tereze.applications.models import Application
from tereze.applications.states import Status
from tereze.centres.demo import load_queue_history
from tereze.centres.models import DEFAULT_HOURS, Centre
from tereze.core import clock
from tereze.core.audit import audit_seal
from tereze.core.calendar import add_working_days, is_working_day
from tereze.core.errors import ValidationFailed
from tereze.core.identity import make_bin, make_iin
from tereze.core.models import Business, Person, User, WorkingDayTransfer
from tereze.core.roles import Role
from tereze.demo.models import DemoRun
from tereze.registry.actions import register_import
from tereze.registry.models import Channel, DocumentSource, RecipientType, Region, Service, StateBody

DATA = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "tereze-demo"  # noqa: S105 - printed by `make run`; demo databases only
HISTORY_DAYS = 21
FIRST_VALID = "2024-01-01"
PDF_STUB = b"%PDF-1.4\n% Tereze demo document\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
T = TypeVar("T")


class Progress:
    """A one-line progress bar on stderr (the terminal shows it; logs get one line per stage)."""

    def __init__(self, out: TextIO = sys.stderr) -> None:
        self.out = out

    def __call__(self, stage: str, items: Iterable[T], total: int) -> Iterator[T]:
        step = max(total // 50, 1)
        for index, item in enumerate(items, 1):
            if index % step == 0 or index == total:
                filled = int(30 * index / max(total, 1))
                self.out.write(f"\r{stage:<24} [{'#' * filled}{'.' * (30 - filled)}] {index}/{total}")
                self.out.flush()
            yield item
        self.out.write("\n" if total else f"{stage:<24} nothing to do\n")


def load_json(name: str) -> Any:
    with open(DATA / name, encoding="utf-8") as handle:
        return json.load(handle)


def load_register() -> dict[str, int]:
    """Regions, bodies and services with their standards (version 1 from 2024; every tenth service
    also has a version 2 from 2026-07-01, so versioning is visible)."""
    with open(DATA / "regions.csv", encoding="utf-8") as handle:
        regions = [{**row, "population": int(row["population"])} for row in csv.DictReader(handle)]
    services = []
    for index, entry in enumerate(load_json("services.json")):
        first = {**entry["standard"], "version": 1, "published": True, "valid_from": FIRST_VALID, "valid_to": None}
        standards = [first]
        if index % 10 == 0:
            standards.append({**first, "version": 2, "valid_from": "2026-07-01",
                              "legal_basis": first["legal_basis"] + " (as amended 2026)"})
        services.append({k: v for k, v in entry.items() if k != "standard"} | {"standards": standards})
    return register_import(data={"format": "tereze-register/1", "regions": regions,
                                 "bodies": load_json("bodies.json"), "services": services})


def load_transfers() -> None:
    """Decreed transfers of days off (illustrative, as the government announces them each year)."""
    for day, kind, decree in [
        ("2026-07-04", WorkingDayTransfer.Kind.WORKING_DAY, "Decree (demo): Saturday 4 Jul is a working day"),
        ("2026-07-07", WorkingDayTransfer.Kind.DAY_OFF, "Government decree (demo): Tuesday 7 Jul is a day off"),
        ("2026-12-19", WorkingDayTransfer.Kind.WORKING_DAY, "Decree (demo): Saturday 19 Dec is a working day"),
        ("2026-12-18", WorkingDayTransfer.Kind.DAY_OFF, "Government decree (demo): Friday 18 Dec is a day off"),
    ]:
        WorkingDayTransfer.objects.get_or_create(date=dt.date.fromisoformat(day), defaults={"kind": kind,
                                                                                         "decree": decree})


def load_centres(scale: float) -> list[Centre]:
    """About one centre per 400,000 residents (at least one per region)."""
    centres = []
    for region in Region.objects.order_by("code"):
        count = max(1, round(region.population / 400_000 * scale))
        for number in range(1, count + 1):
            centre, _ = Centre.objects.get_or_create(code=f"{region.code}-{number}", defaults={
                "name_kk": f"ХҚКО № {number}, {region.name_kk}",
                "name_ru": f"ЦОН № {number}, {region.name_ru}",
                "name_en": f"Public Service Centre No. {number}, {region.name_en}",
                "region": region, "address": f"{region.name_ru}, ул. Абая, {10 + number}",
                "opening_hours": DEFAULT_HOURS})
            centres.append(centre)
    return centres


def _staff(username: str, role: str, password_hash: str, **scope: Any) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        from tereze.core.actions import user_create

        user = user_create(username=username, role=role, **scope)
        user.password = password_hash
        user.save(update_fields=["password"])
    return user


def load_staff(centres: list[Centre], scale: float) -> dict[str, list[str]]:
    """Staff for every role. All demo staff share DEMO_PASSWORD (hashed once)."""
    password_hash = make_password(DEMO_PASSWORD)
    accounts: dict[str, list[str]] = {}

    def add(username: str, role: str, **scope: Any) -> None:
        _staff(username, role, password_hash, **scope)
        accounts.setdefault(role, []).append(username)

    operators = max(1, round(2 * scale))
    for centre in centres:
        add(f"manager.{centre.code}", Role.CENTRE_MANAGER, centre_id=centre.pk)
        add(f"supervisor.{centre.code}", Role.CENTRE_SUPERVISOR, centre_id=centre.pk)
        add(f"consultant.{centre.code}", Role.CONSULTANT, centre_id=centre.pk)
        for n in range(1, operators + 1):
            add(f"operator.{centre.code}.{n}", Role.OPERATOR, centre_id=centre.pk)
    serving = set(Service.objects.values_list("body_id", flat=True))
    officials = max(2, round(3 * scale))
    for body in StateBody.objects.order_by("code"):
        if body.pk in serving:
            for n in range(1, officials + 1):
                add(f"official.{body.code}.{n}", Role.OFFICIAL, body_id=body.pk)
            add(f"bodysupervisor.{body.code}", Role.BODY_SUPERVISOR, body_id=body.pk)
        if body.level == StateBody.Level.MINISTRY:
            add(f"standards.{body.code}", Role.STANDARDS_OWNER, body_id=body.pk)
            add(f"appeals.{body.code}", Role.APPEALS_OFFICER, body_id=body.pk)
    add("analyst", Role.ANALYST)
    add("auditor", Role.AUDITOR)
    add("admin", Role.ADMINISTRATOR)
    return accounts


def load_people(rng: random.Random, scale: float) -> tuple[list[Person], list[Business]]:
    names = load_json("people.json")
    regions = list(Region.objects.order_by("code"))
    weights = [r.population for r in regions]
    people = []
    count = max(50, int(1500 * scale))
    existing = set(Person.objects.values_list("iin", flat=True))
    for n in range(count):
        # Draw everything first, so a rerun consumes the same random numbers and makes the same people.
        sex = rng.choice("MF")
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 66))
        iin = make_iin(birth_date=birth, sex=sex, serial=1000 + n)
        root = rng.choice(names["patronymic_roots"])
        region = rng.choices(regions, weights=weights)[0]
        candidate = Person(
            iin=iin, sex=sex, birth_date=birth, region=region,
            given_name=rng.choice(names["male_given" if sex == "M" else "female_given"]),
            surname=rng.choice(names["surnames_m" if sex == "M" else "surnames_f"]),
            patronymic=f"{root}ович" if sex == "M" else f"{root}овна",
            address=f"{region.name_ru}, ул. {rng.choice(names['streets'])}, {rng.randrange(1, 200)}",
            phone=f"+7 70{rng.randrange(10)} {rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            email=f"citizen{n}@example.kz" if rng.random() < 0.3 else "",
            language=rng.choices(["kk", "ru", "en"], weights=[55, 42, 3])[0],
            notify_by=["sms", "email"] if rng.random() < 0.3 else ["sms"],
        )
        if iin not in existing:
            existing.add(iin)
            people.append(candidate)
    Person.objects.bulk_create(people, batch_size=500)
    businesses = []
    existing_bins = set(Business.objects.values_list("bin", flat=True))
    all_people = list(Person.objects.order_by("iin")[:200])
    for n in range(max(10, int(100 * scale))):
        registered = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(365 * 20))
        bin_ = make_bin(registered=registered, serial=100 + n)
        business = Business(bin=bin_, name=f"ТОО «{rng.choice(names['companies'])} {n}»",
                            head_iin=rng.choice(all_people).iin, registered_on=registered,
                            region=rng.choice(regions))
        if bin_ not in existing_bins:
            existing_bins.add(bin_)
            businesses.append(business)
    Business.objects.bulk_create(businesses, batch_size=500)
    return list(Person.objects.all()), list(Business.objects.all())


def citizen_account(person: Person) -> User:
    """The citizen's account (created at first sign-in in real life; here, on first use)."""
    user = User.objects.filter(iin=person.iin).first()
    if user is None:
        user = User(username=person.iin, role=Role.CITIZEN, iin=person.iin, language=person.language,
                    first_name=person.given_name, last_name=person.surname)
        user.set_unusable_password()
        user.save()
    return user


def business_account(business: Business) -> User:
    username = f"bin-{business.bin}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=Role.BUSINESS, iin=None, bin=business.bin)
        user.set_unusable_password()
        user.save()
    return user


class History:
    """Replays a few weeks of applications through the real actions, in time order: a small
    discrete-event simulation where each step (intake, review, return, decision, hand-out, the
    morning deadline sweep) runs at its own moment and schedules the applicant's or official's next."""

    def __init__(self, rng: random.Random, people: list[Person], businesses: list[Business],
                 centres: list[Centre]) -> None:
        self.rng, self.people, self.businesses = rng, people, businesses
        self.operators: dict[int, list[User]] = {}
        for user in User.objects.filter(role=Role.OPERATOR).order_by("username"):
            self.operators.setdefault(user.centre_id or 0, []).append(user)
        self.centres_by_region: dict[int, list[Centre]] = {}
        for centre in centres:
            self.centres_by_region.setdefault(centre.region_id, []).append(centre)
        self.services = list(Service.objects.select_related("body").order_by("code"))
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.now = clock.now()
        self.queue: list[tuple[dt.datetime, int, Any]] = []
        self.sequence = 0
        self.made = 0

    def at(self, day: dt.date, hour: float) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(9), tzinfo=self.tz) + dt.timedelta(hours=hour)

    def later(self, moment: dt.datetime, working_days: float) -> dt.datetime:
        whole = int(working_days)
        day = add_working_days(moment.date(), whole) if whole else moment.date()
        return max(self.at(day, self.rng.uniform(0.5, 9.5)), moment + dt.timedelta(minutes=self.rng.randint(5, 90)))

    def schedule(self, moment: dt.datetime, step: Any) -> None:
        if moment < self.now:
            self.sequence += 1
            heapq.heappush(self.queue, (moment, self.sequence, step))

    def run(self, days: list[dt.date], per_day: int, progress: Progress) -> int:
        for day in days:
            self.schedule(self.at(day, -1), lambda day=day: actions.deadline_sweep(today=day))
            for _ in range(per_day):
                self.schedule(self.at(day, self.rng.uniform(0, 10.5)), self.submit)
        hours = [self.at(day, 0) for day in days]
        for day_start in progress("history (days)", hours, len(hours)):
            while self.queue and self.queue[0][0] < day_start + dt.timedelta(days=1):
                moment, _seq, step = heapq.heappop(self.queue)
                with clock.frozen(moment):
                    step()
        while self.queue:
            moment, _seq, step = heapq.heappop(self.queue)
            with clock.frozen(moment):
                step()
        actions.deadline_sweep()
        return self.made

    def submit(self) -> None:
        rng = self.rng
        moment = clock.now()
        service = rng.choice(self.services)
        standard = service.standards.filter(published=True, valid_from__lte=moment.date()).order_by("-version").first()
        if standard is None:
            return
        business = service.recipient_type == RecipientType.BUSINESS
        person = rng.choice(self.people)
        applicant_id = rng.choice(self.businesses).bin if business else person.iin
        if Channel.PORTAL in standard.channels and not business and rng.random() < 0.4:
            actor, channel = citizen_account(person), Channel.PORTAL
        elif Channel.CENTRE in standard.channels:
            region_centres = self.centres_by_region.get(person.region_id or 0) or \
                next(iter(self.centres_by_region.values()))
            centre = rng.choice(region_centres)
            actor, channel = rng.choice(self.operators[centre.pk]), Channel.CENTRE
        else:
            return
        tiers = list(standard.tiers.all())
        tier = rng.choice(tiers).code if tiers and rng.random() < 0.3 else None
        documents = [actions.Upload(code=d.code, file_name=f"{d.code}.pdf", content=PDF_STUB)
                     for d in standard.documents.all() if d.source == DocumentSource.APPLICANT]
        try:
            application, _ = actions.application_submit(
                actor=actor, submission=actions.Submission(service_code=service.code, applicant_id=applicant_id,
                                                           channel=channel, tier_code=tier, documents=documents,
                                                           language=person.language))
        except ValidationFailed:
            return  # refused at intake (a register holds no record): nothing is saved, as in life
        self.made += 1
        if application.assignee is not None:
            self.plan(application, moment)

    def plan(self, application: Application, accepted: dt.datetime) -> None:
        """Decide this application's fate now, then play it out step by step."""
        rng = self.rng
        official = application.assignee
        assert official is not None and application.due_date is not None
        term = actions.working_days_between(accepted.date(), application.due_date)
        roll = rng.random()
        ground = application.standard.refusal_grounds.first()
        first_document = application.standard.documents.first()
        refuse = 0.84 < roll <= 0.92 and ground is not None
        late = roll > 0.92

        def decide() -> None:
            actions.application_decide(
                application=application, official=official,
                decision=actions.Decision.REFUSE if refuse else actions.Decision.APPROVE,
                ground_code=ground.code if refuse and ground else "",
                reason="Заявитель не соответствует условиям стандарта." if refuse else "")
            if rng.random() < 0.8:
                self.schedule(self.later(clock.now(), rng.uniform(1, 4)), issue)

        def issue() -> None:
            actor = self.applicant_user(application)
            actions.application_issue(application=application, actor=actor,
                                      signed_on_screen=application.channel != Channel.PORTAL)

        def schedule_decision() -> None:
            now = clock.now()
            when = self.later(accepted, term + rng.uniform(1, 3)) if late else \
                self.later(now, rng.uniform(0, max(term * 0.5, 1)))
            self.schedule(max(when, now + dt.timedelta(minutes=30)), decide)

        def resubmit() -> None:
            actions.application_resubmit(application=application, actor=self.applicant_user(application))
            schedule_decision()

        def give_back() -> None:
            actions.application_decide(application=application, official=official, decision=actions.Decision.RETURN,
                                       document_code=first_document.code if first_document else "field:form",
                                       reason="Копия документа нечитаема, приложите разборчивую копию.")
            self.schedule(self.later(clock.now(), rng.uniform(1, 4)), resubmit)

        def open_case() -> None:
            actions.application_start_review(application=application, official=official)
            if roll < 0.12:
                return  # still in review (some of these become overdue)
            if roll < 0.22:
                self.schedule(self.later(clock.now(), rng.uniform(1, 3)), give_back)
            else:
                schedule_decision()

        self.schedule(self.later(accepted, rng.uniform(0, max(term * 0.3, 1))), open_case)

    def applicant_user(self, application: Application) -> User:
        """Who acts for the applicant: the citizen online, an operator of the centre otherwise."""
        if application.channel == Channel.PORTAL:
            return User.objects.get(iin=application.applicant_iin)
        return User.objects.filter(role=Role.OPERATOR, centre_id=application.centre_id or 0).order_by("pk").first() \
            or User.objects.filter(role=Role.OPERATOR).first()  # type: ignore[return-value]


def demo_country(*, seed: int = 1, scale: float = 1.0, out: Any = sys.stdout,
                 history_days: int = HISTORY_DAYS) -> dict[str, list[str]]:
    """Load the demo country. Idempotent: reference data is upserted, history is replayed once."""
    progress = Progress()
    rng = random.Random(seed)
    previous = DemoRun.objects.filter(finished_at__isnull=False).first()
    if previous is not None and (previous.seed != seed or previous.scale != scale):
        raise ValueError(f"this database already holds the demo country with seed {previous.seed} and scale "
                         f"{previous.scale}; use a fresh database for another seed or scale")
    with transaction.atomic():
        counts = load_register()
        load_transfers()
        centres = load_centres(scale)
    out.write(f"register: {counts['services']} services, {counts['bodies']} state bodies, "
              f"{counts['regions']} regions; {len(centres)} centres\n")
    with transaction.atomic():
        accounts = load_staff(centres, scale)
        people, businesses = load_people(rng, scale)
    out.write(f"people: {len(people)} citizens, {len(businesses)} businesses; "
              f"staff: {sum(len(v) for v in accounts.values())}\n")
    if previous is None:
        run = DemoRun.objects.create(seed=seed, scale=scale)
        today = clock.today()
        days = [today - dt.timedelta(days=d) for d in range(history_days, 0, -1)]
        days = [d for d in days if is_working_day(d) or d.weekday() == 5]
        rng_history = random.Random(seed * 7919)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            made = History(rng_history, people, businesses, centres).run(
                days, per_day=max(2, int(40 * scale)), progress=progress)
        out.write(f"history: {made} applications over {len(days)} days, "
                  f"{Application.objects.exclude(status=Status.DRAFT).count()} in the database\n")
        out.write(f"queues: {load_queue_history(centres=centres, people=people, days=days[-3:], seed=seed)} "
                  "tickets in the centres' queues over the last 3 days and today\n")
        sealed = audit_seal()
        out.write(f"audit: {sealed} entries sealed\n")
        run.finished_at = clock.now()
        run.save(update_fields=["finished_at"])
    for person in people[:3]:
        citizen_account(person)
    return accounts

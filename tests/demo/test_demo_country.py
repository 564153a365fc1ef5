"""The demo country loads through the real actions, is idempotent and refuses a different seed."""

import io
import json
import shutil
from pathlib import Path

import pytest

from tereze.applications.models import Application, ApplicationEvent
from tereze.core.audit import audit_verify
from tereze.core.identity import parse_iin
from tereze.core.models import Person, User
from tereze.demo import country
from tereze.registry.models import Service, Standard

pytestmark = pytest.mark.django_db

DOC = {"code": "identity", "name_kk": "Жеке куәлік", "name_ru": "Удостоверение", "name_en": "Identity",
       "source": "register", "register_name": "population", "order": 1}
PHOTO = {"code": "photo", "name_kk": "Фото", "name_ru": "Фото", "name_en": "Photo", "source": "applicant",
         "register_name": "", "order": 2}


def service(code: str, body: str, recipient: str = "individual", **standard: object) -> dict:
    return {"code": code, "name_kk": f"Қызмет {code}", "name_ru": f"Услуга {code}", "name_en": f"Service {code}",
            "description_kk": "", "description_ru": "", "description_en": "", "recipient_type": recipient,
            "category": "identity", "body": body, "standard": {
                "deadline_working_days": 5, "fee": "0.00", "result_type": "document",
                "channels": ["centre", "portal"], "access_model": "single", "allows_suspension": False,
                "legal_basis": "Order No. 1", "average_service_minutes": 10, "documents": [DOC, PHOTO],
                "tiers": [{"code": "fast", "name_kk": "Жедел", "name_ru": "Срочно", "name_en": "Fast",
                           "deadline_working_days": 1, "fee": "5000.00"}],
                "steps": [{"order": 1, "name_kk": "Қабылдау", "name_ru": "Приём", "name_en": "Intake",
                           "role": "operator", "norm_minutes": 10}],
                "refusal_grounds": [{"code": "G1", "text_kk": "Толық емес", "text_ru": "Неполные",
                                     "text_en": "Incomplete"}], **standard}}


@pytest.fixture
def small_country(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("regions.csv", "people.json"):
        shutil.copy(country.DATA / name, tmp_path / name)
    bodies = [
        {"code": "mvd", "name_kk": "ІІМ", "name_ru": "МВД", "name_en": "Ministry of Internal Affairs",
         "level": "ministry", "parent": None, "region": None},
        {"code": "mvd-migration", "name_kk": "Көші-қон", "name_ru": "Миграция", "name_en": "Migration",
         "level": "committee", "parent": "mvd", "region": None},
    ]
    business_register = {**DOC, "code": "registration", "register_name": "business"}
    services = [service("P01", "mvd-migration"), service("P02", "mvd"),
                service("B01", "mvd", "business", documents=[business_register])]
    (tmp_path / "bodies.json").write_text(json.dumps(bodies, ensure_ascii=False))
    (tmp_path / "services.json").write_text(json.dumps(services, ensure_ascii=False))
    monkeypatch.setattr(country, "DATA", tmp_path)
    return tmp_path


def snapshot() -> tuple:
    return (Service.objects.count(), Standard.objects.count(), User.objects.count(), Person.objects.count(),
            Application.objects.count(), ApplicationEvent.objects.count())


def test_demo_country_loads_a_consistent_history_and_reruns_add_nothing(small_country) -> None:
    out = io.StringIO()
    accounts = country.demo_country(seed=3, scale=0.05, history_days=10, out=out)
    assert {"operator", "official", "body_supervisor", "standards_owner", "auditor", "administrator"} <= set(accounts)
    assert Standard.objects.filter(service__code="P01").count() == 2  # every tenth service has a second version
    assert all(parse_iin(iin) for iin in Person.objects.values_list("iin", flat=True))
    applications = Application.objects.all()
    assert applications.exists()
    for application in applications:
        events = list(application.events.order_by("at", "id"))
        assert events[0].from_status == "" and events[-1].to_status == application.status
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status and after.at >= before.at
    assert audit_verify()[1] is None
    first = snapshot()
    country.demo_country(seed=3, scale=0.05, history_days=10, out=io.StringIO())
    assert snapshot() == first
    with pytest.raises(ValueError, match="seed 3"):
        country.demo_country(seed=4, scale=0.05, out=io.StringIO())

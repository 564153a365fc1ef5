import datetime as dt
import io
import json

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.test import Client, RequestFactory

from tereze.registry.actions import register_import, standard_new_version, standard_publish
from tereze.registry.admin import ServiceAdmin, StandardAdmin
from tereze.registry.models import Service, Standard
from tereze.registry.selectors import register_as_dict, standard_in_force
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def register() -> dict:
    ministry = factories.BodyFactory(code="justice")
    committee = factories.BodyFactory(code="justice-reg", parent=ministry, level="committee")
    other = factories.BodyFactory(code="health")
    property_service = factories.ServiceFactory(code="P01", body=committee)
    factories.make_standard(property_service)
    clinic = factories.ServiceFactory(code="H01", body=other, name_kk="Емханаға тіркелу",
                                      name_ru="Прикрепление к поликлинике", name_en="Registering with a clinic",
                                      description_kk="", description_ru="", description_en="", category="health")
    factories.make_standard(clinic, deadline=1)
    return {"ministry": ministry, "committee": committee, "other": other, "property": property_service,
            "clinic": clinic}


@pytest.mark.parametrize("q, lang, expected_name", [
    ("недвижим", "ru", "Регистрация прав на недвижимое имущество"),
    ("НЕДВИЖИМ", "ru", "Регистрация прав на недвижимое имущество"),  # Cyrillic case folding on SQLite too
    ("жылжымайтын", "kk", "Жылжымайтын мүлікті тіркеу"),
    ("real estate", "en", "Registration of real estate rights"),
    ("поликлин", "en", "Registering with a clinic"),  # searched in any language, shown in the asked one
])
def test_search_in_each_language(register, client: Client, q: str, lang: str, expected_name: str) -> None:
    response = client.get("/api/v1/services", {"q": q, "lang": lang})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["items"][0]["name"] == expected_name


def test_search_by_category_and_pagination(register, client: Client) -> None:
    assert client.get("/api/v1/services", {"category": "health"}).json()["count"] == 1
    assert client.get("/api/v1/services", {"page": 1}).json()["count"] == 2


def test_service_detail_is_the_standard_in_force_and_on_a_past_date(register, client: Client) -> None:
    draft = standard_new_version(standard=register["property"].standards.get(), valid_from=dt.date(2026, 7, 1),
                                 actor=None)
    draft.deadline_working_days = 10
    draft.save()
    standard_publish(standard=draft, actor=None)
    now = client.get("/api/v1/services/P01", {"on": "2026-08-01"}).json()
    past = client.get("/api/v1/services/P01", {"on": "2025-01-01"}).json()
    assert (now["version"], now["deadline_working_days"]) == (2, 10)
    assert (past["version"], past["deadline_working_days"]) == (1, 15)
    assert past["tiers"][0]["deadline_working_days"] == 2
    assert [d["register_name"] for d in now["documents"]] == ["population", ""]


@pytest.mark.parametrize("path, params, status, fragment", [
    ("/api/v1/services/NOPE", {}, 404, "no service with code 'NOPE'"),
    ("/api/v1/services/P01", {"on": "2020-01-01"}, 404, "no standard in force on 2020-01-01"),
    ("/api/v1/services/P01", {"on": "yesterday"}, 422, "on"),
    ("/api/v1/services", {"lang": "de"}, 422, "lang"),
    ("/api/v1/services", {"page": 0}, 422, "page"),
    ("/api/v1/services", {"q": "x" * 500}, 422, "q"),
])
def test_register_api_bad_input_gets_4xx_with_message(register, client, path, params, status, fragment) -> None:
    response = client.get(path, params)
    assert response.status_code == status
    assert fragment in response.json()["detail"]


def test_published_version_never_changes_and_a_new_version_copies_it(register) -> None:
    first = register["property"].standards.get()
    copy = standard_new_version(standard=first, valid_from=dt.date(2027, 1, 1), actor=None)
    assert (copy.version, copy.published) == (2, False)
    assert list(copy.documents.values_list("code", flat=True)) == ["identity", "contract"]
    first.refresh_from_db()
    assert (first.version, first.published, first.valid_to) == (1, True, None)
    assert standard_in_force(code="P01", on=dt.date(2027, 6, 1)).version == 1  # drafts are not in force
    standard_publish(standard=copy, actor=None)
    assert standard_in_force(code="P01", on=dt.date(2027, 6, 1)).version == 2
    assert standard_in_force(code="P01", on=dt.date(2026, 6, 1)).version == 1


def test_register_round_trips_exactly_through_json(register) -> None:
    out = io.StringIO()
    call_command("register_export", stdout=out)
    exported = json.loads(out.getvalue())
    Standard.objects.all().delete()
    Service.objects.all().delete()
    register_import(data=exported)
    again = io.StringIO()
    call_command("register_export", stdout=again)
    assert json.loads(again.getvalue()) == exported
    assert register_as_dict() == exported


def test_import_never_overwrites_a_published_standard(register) -> None:
    data = register_as_dict()
    data["services"][0]["standards"][0]["deadline_working_days"] = 99
    register_import(data=data)
    assert Standard.objects.get(service__code=data["services"][0]["code"], version=1).deadline_working_days != 99


def test_csv_export_has_a_row_per_version(register) -> None:
    out = io.StringIO()
    call_command("register_export", "--format", "csv", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("code,name_kk") and len(lines) == 3


def test_bad_import_file_is_refused_with_a_message(tmp_path) -> None:
    from django.core.management.base import CommandError

    path = tmp_path / "register.json"
    path.write_text('{"format": "something-else"}')
    with pytest.raises(CommandError, match="format must be tereze-register/1"):
        call_command("register_import", str(path))


def test_standards_owner_sees_only_their_bodys_services_in_the_admin(register) -> None:
    owner = factories.staff("standards_owner", body_id=register["ministry"].pk)
    request = RequestFactory().get("/admin/")
    request.user = owner
    services = ServiceAdmin(Service, site).get_queryset(request)
    assert list(services.values_list("code", flat=True)) == ["P01"]  # committee's service, not health's
    standards = StandardAdmin(Standard, site).get_queryset(request)
    assert {s.service.code for s in standards} == {"P01"}
    published = register["property"].standards.get()
    assert not StandardAdmin(Standard, site).has_change_permission(request, published)


def test_standards_owner_cannot_open_another_bodys_service_in_the_admin(register, client) -> None:
    owner = factories.staff("standards_owner", body_id=register["ministry"].pk)
    client.force_login(owner)
    assert client.get(f"/admin/registry/service/{register['property'].pk}/change/").status_code == 200
    response = client.get(f"/admin/registry/service/{register['clinic'].pk}/change/")
    assert response.status_code == 302  # the admin redirects "does not exist" to the list
    assert client.get("/admin/core/auditentry/").status_code == 403

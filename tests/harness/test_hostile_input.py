"""A corpus of hostile input against the API: each is answered with a 4xx and a JSON "detail" a person
can read, never a 5xx, never HTML, never an echo that a browser would execute."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tereze.applications.models import ApplicationDocument
from tereze.centres.models import Appointment, Ticket
from tests.applications.helpers import api_client, api_payload
from tests.factories import PDF
from tests.harness.conftest import Hall

pytestmark = pytest.mark.django_db

XSS = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
       "<svg/onload=alert(1)>"]
SQL = ["' OR '1'='1", "1; DROP TABLE applications_application; --", "\" OR 1=1 --",
       "' UNION SELECT * FROM core_user --"]
BAD_IINS = ["", "1", "123456789012", "000000000000", "12345678901X", "99999999999999999999", "١٢٣٤٥٦٧٨٩٠١٢",
            "850101300000", " " * 12, "850101-30000", "-85010130000", "8501013000\x00", "1e11", "null"]
TRAVERSAL = ["../../../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/shadow", "contract.pdf\x00.exe",
             "....//....//etc/passwd", "%2e%2e%2fetc%2fpasswd", "con", "a" * 500]


def _assert_answered(response: Any, *, allowed: tuple[int, ...] = ()) -> dict[str, Any]:
    assert response.status_code < 500, (response.status_code, response.content[:500])
    assert 400 <= response.status_code < 500 or response.status_code in allowed, response.status_code
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    data = response.json()
    if response.status_code >= 400:
        assert isinstance(data.get("detail"), str) and data["detail"], data
    return data


def _post(client: Client, body: Any, *, content_type: str = "application/json", **headers: str) -> Any:
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/api/v1/applications", raw, content_type=content_type, **headers)


@pytest.fixture
def operator(world: Any) -> Client:
    return api_client(world.operator)


@pytest.mark.parametrize("iin", BAD_IINS)
def test_invalid_iins_are_refused_with_a_message(world: Any, operator: Client, iin: str) -> None:
    data = _assert_answered(_post(operator, api_payload(world, applicant_id=iin)))
    assert data["detail"]


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b"42", b'"text"', b'{"service_code":', b"\xff\xfe\x00",
                                 b"[" * 50_000, b'{"a":' * 20_000, b'{"service_code": NaN}', b"\x00" * 64,
                                 b'{"service_code": "S001", "service_code": "S002"}'])
def test_malformed_json_is_refused(operator: Client, raw: bytes) -> None:
    _assert_answered(_post(operator, raw))


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "multipart/form-data; boundary=xyz", "application/json; charset=koi8-r",
                                          "image/png"])
def test_wrong_content_types_are_refused(world: Any, operator: Client, content_type: str) -> None:
    body = json.dumps(api_payload(world)) if "json" not in content_type else "<xml/>"
    _assert_answered(_post(operator, body, content_type=content_type))


def test_a_huge_body_is_refused(world: Any, operator: Client) -> None:
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
    body = json.dumps(api_payload(world, form_data={"blob": "x" * size}))
    _assert_answered(_post(operator, body))


def test_a_huge_document_is_refused(world: Any, operator: Client, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    content = base64.b64encode(PDF + b"0" * (settings.UPLOAD_MAX_BYTES + 1)).decode()
    documents = [{"code": "contract", "file_name": "contract.pdf", "content_base64": content}]
    data = _assert_answered(_post(operator, api_payload(world, documents=documents)))
    assert "limit" in data["detail"]


@pytest.mark.parametrize("field", ["service_code", "channel", "tier_code", "language"])
@pytest.mark.parametrize("value", XSS + SQL + ["\x00", "a\x00b", "\ud800" * 0 + "𝕏" * 5, "", 12, None, [], {}])
def test_hostile_strings_in_fields_are_refused(world: Any, operator: Client, field: str, value: Any) -> None:
    if field == "tier_code" and value in (None, ""):
        pytest.skip("no tier is a valid choice")
    response = _post(operator, api_payload(world, **{field: value}))
    data = _assert_answered(response)
    # an echo of the value inside a JSON message is harmless: JSON, never sniffed as HTML
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "detail" in data


@pytest.mark.parametrize("value", XSS + SQL + ["\x00", {"nested": "\x00"}, {"\x00": 1}, [1, 2], "x" * 70_000])
def test_hostile_form_data_never_breaks_the_server(world: Any, operator: Client, value: Any) -> None:
    form = value if isinstance(value, dict) else {"note": value}
    response = _post(operator, api_payload(world, form_data=form))
    _assert_answered(response, allowed=(201,))  # harmless text is simply stored as text


@pytest.mark.parametrize("document", [
    {"code": "contract", "file_name": "c.pdf", "content_base64": "not base64!!"},
    {"code": "contract", "file_name": "c.pdf", "content_base64": ""},
    {"code": "contract", "file_name": "c.pdf", "content_base64": base64.b64encode(b"MZ\x90\x00 an exe").decode()},
    {"code": "contract", "file_name": "c.pdf", "content_base64": base64.b64encode(b"<html><script>").decode()},
    {"code": "../../etc/passwd", "file_name": "c.pdf", "content_base64": base64.b64encode(PDF).decode()},
    {"code": "contract", "file_name": "c.pdf"},
    {"code": "contract", "file_name": None, "content_base64": base64.b64encode(PDF).decode()},
])
def test_bad_documents_are_refused(world: Any, operator: Client, document: dict[str, Any]) -> None:
    _assert_answered(_post(operator, api_payload(world, documents=[document])))


@pytest.mark.parametrize("name", TRAVERSAL)
def test_path_traversal_in_file_names_is_refused_or_neutralised(world: Any, operator: Client, name: str) -> None:
    documents = [{"code": "contract", "file_name": name, "content_base64": base64.b64encode(PDF).decode()}]
    response = _post(operator, api_payload(world, documents=documents))
    _assert_answered(response, allowed=(201,))
    if response.status_code == 201:
        stored = ApplicationDocument.objects.get(application__number=response.json()["number"], code="contract")
        assert "/" not in stored.file_name and "\\" not in stored.file_name and "\x00" not in stored.file_name
        assert not stored.file_name.startswith(".")
        root = Path(settings.MEDIA_ROOT).resolve()
        assert root in (root / stored.file).resolve().parents


@pytest.mark.parametrize("key", ["x" * 101, "\x00", "a\nb"])
def test_bad_idempotency_keys_are_refused(world: Any, operator: Client, key: str) -> None:
    _assert_answered(_post(operator, api_payload(world), HTTP_IDEMPOTENCY_KEY=key), allowed=(201,))


@pytest.mark.parametrize("query", ["start=2025-02-30&working_days=3", "start=2025-13-01&working_days=3",
                                   "start=0000-01-01&working_days=3", "start=9999-12-31&working_days=400",
                                   "start=2025-01-01&working_days=-1", "start=2025-01-01&working_days=99999999999",
                                   "start=yesterday&working_days=1", "start=2025-01-01T25:00&working_days=1",
                                   "start=%00&working_days=1", "working_days=1", "start=1900-01-01&working_days=5",
                                   "start=2025-01-01&working_days=1e3"])
def test_impossible_dates_are_refused(query: str) -> None:
    _assert_answered(Client().get(f"/api/v1/calendar/deadline?{query}"))


@pytest.mark.parametrize("path", ["/api/v1/services/%00", "/api/v1/services/..%2F..%2Fetc%2Fpasswd",
                                  "/api/v1/services/" + "A" * 5000, "/api/v1/services/S1?on=2025-02-30",
                                  "/api/v1/services/%3Cscript%3E", "/api/v1/services?q=%00",
                                  "/api/v1/services?lang=xx", "/api/v1/services?page=-1",
                                  "/api/v1/services?page=99999999999999999999", "/api/v1/services?q=" + "x" * 300])
def test_hostile_register_queries_are_refused(path: str) -> None:
    _assert_answered(Client().get(path))


@pytest.mark.parametrize("number", ["%00", "..%2F..%2Fetc%2Fpasswd", "' OR 1=1 --", "<script>", "A" * 3000,
                                    "S001-20250101-%00"])
def test_hostile_application_numbers_are_refused(world: Any, operator: Client, number: str) -> None:
    _assert_answered(operator.get(f"/api/v1/applications/{number}"))
    _assert_answered(operator.post(f"/api/v1/applications/{number}/decision",
                                   {"decision": "approve"}, content_type="application/json"))


def test_method_not_allowed_is_answered(operator: Client) -> None:
    response = operator.delete("/api/v1/applications")
    assert response.status_code == 405


# ---------------------------------------------------------------- the centres API (the hall: conftest.py)

def _centre_bodies(hall: Hall) -> dict[str, dict[str, Any]]:
    """Each centres endpoint that takes a body, with a body it accepts (from the hall's operator or manager)."""
    return {
        f"/api/v1/centres/{hall.centre.pk}/tickets": {"service_code": hall.service.code, "iin": hall.newcomer_iin},
        f"/api/v1/centres/{hall.centre.pk}/check-in": {"code": hall.due.code, "iin": hall.due.iin},
        f"/api/v1/centres/{hall.centre.pk}/appointments": {"service_code": hall.other_service.code,
                                                           "iin": hall.booking.iin,
                                                           "slot_start": hall.free_slot.isoformat()},
        f"/api/v1/tickets/{hall.called.pk}/start": {"priority_proof_checked": True},
        f"/api/v1/tickets/{hall.called.pk}/transfer": {"service_code": hall.other_service.code, "reason": "x"},
        f"/api/v1/tickets/{hall.waiting.pk}/call-out-of-turn": {"counter_id": hall.windows[3].pk,
                                                               "reason": "Wheelchair user, documents checked"},
    }


CENTRE_BODY_ENDPOINTS = ["tickets", "check-in", "appointments", "start", "transfer", "call-out-of-turn"]


def _centre_post(hall: Hall, endpoint: str, body: Any, *, content_type: str = "application/json",
                 **headers: str) -> Any:
    path = next(p for p in _centre_bodies(hall) if p.endswith("/" + endpoint))
    who = "manager" if endpoint == "call-out-of-turn" else "operator"
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return api_client(hall.users[who]).post(path, raw, content_type=content_type, **headers)


def _centre_body(hall: Hall, endpoint: str, **overrides: Any) -> dict[str, Any]:
    body = next(b for p, b in _centre_bodies(hall).items() if p.endswith("/" + endpoint))
    return {**body, **overrides}


@pytest.mark.parametrize("endpoint", ["tickets", "check-in", "appointments"])
@pytest.mark.parametrize("iin", BAD_IINS)
def test_centres_invalid_iins_are_refused(hall: Hall, endpoint: str, iin: str) -> None:
    before = Ticket.objects.count(), Appointment.objects.count()
    _assert_answered(_centre_post(hall, endpoint, _centre_body(hall, endpoint, iin=iin)))
    assert (Ticket.objects.count(), Appointment.objects.count()) == before


@pytest.mark.parametrize("endpoint", CENTRE_BODY_ENDPOINTS)
@pytest.mark.parametrize("raw", [b"{", b"[]", b"42", b'"text"', b'{"iin":', b"\xff\xfe\x00", b"[" * 50_000,
                                 b'{"a":' * 20_000, b'{"iin": NaN}', b"\x00" * 64, b'{"reason": "a\\u0000b"}'])
def test_centres_malformed_json_is_refused(hall: Hall, endpoint: str, raw: bytes) -> None:
    # start's body is optional and other fields are ignored: an object with only an unknown NaN is no body
    allowed = (200,) if endpoint == "start" and b"NaN" in raw else ()
    _assert_answered(_centre_post(hall, endpoint, raw), allowed=allowed)


@pytest.mark.parametrize("endpoint", CENTRE_BODY_ENDPOINTS)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/json; charset=koi8-r"])
def test_centres_wrong_content_types_are_refused(hall: Hall, endpoint: str, content_type: str) -> None:
    _assert_answered(_centre_post(hall, endpoint, json.dumps(_centre_body(hall, endpoint)),
                                  content_type=content_type))


@pytest.mark.parametrize("endpoint", CENTRE_BODY_ENDPOINTS)
def test_centres_huge_bodies_are_refused(hall: Hall, endpoint: str) -> None:
    body = _centre_body(hall, endpoint, blob="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024))
    response = _centre_post(hall, endpoint, body)
    _assert_answered(response)
    assert response.status_code == 413


@pytest.mark.parametrize("slot_start", ["2026-02-30T10:00:00+05:00", "2026-13-01T10:00:00+05:00",
                                        "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00",
                                        "9999-12-31T23:59:59+05:00", "9999-12-31T23:59:59-12:00",
                                        "2026-11-24T25:00:00+05:00", "2026-11-24T10:00:00+99:00", "yesterday",
                                        "2026-11-24T10:00:00", "2026-11-24", "1e11", "", 12, None, [], {}])
def test_centres_impossible_booking_times_are_refused(hall: Hall, slot_start: Any) -> None:
    _assert_answered(_centre_post(hall, "appointments", _centre_body(hall, "appointments", slot_start=slot_start)))


@pytest.mark.parametrize("query", ["date=2026-02-30", "date=2026-13-01", "date=0000-01-01", "date=yesterday",
                                   "date=%00", "date=", "",
                                   "date=2026-11-24T25:00", "date=1e3", "service=&date=2026-11-24",
                                   "service=NOPE&date=2026-11-24", "service=%00&date=2026-11-24",
                                   "service=" + "S" * 300 + "&date=2026-11-24"])
def test_centres_impossible_slot_queries_are_refused(hall: Hall, query: str) -> None:
    if not query.startswith("service="):
        query = f"service={hall.service.code}&{query}"
    _assert_answered(Client().get(f"/api/v1/centres/{hall.centre.pk}/slots?{query}"))


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_centres_far_but_real_slot_dates_are_answered(hall: Hall, day: str) -> None:
    """Real dates at the calendar's edges: a list (empty in the past), never a crash."""
    response = Client().get(f"/api/v1/centres/{hall.centre.pk}/slots?service={hall.service.code}&date={day}")
    assert response.status_code == 200 and isinstance(response.json(), list), response.content[:300]


@pytest.mark.parametrize("value", ["99999999999999999999", "9223372036854775808", "-1", "0", "1e3", "%00",
                                   "abc", "' OR 1=1 --", "<script>", "1.5"])
@pytest.mark.parametrize("path", ["/api/v1/centres/{}/tickets", "/api/v1/centres/{}/check-in",
                                  "/api/v1/centres/{}/appointments", "/api/v1/counters/{}/call-next",
                                  "/api/v1/counters/{}/sign-in", "/api/v1/tickets/{}/start",
                                  "/api/v1/tickets/{}/finish", "/api/v1/tickets/{}/no-show",
                                  "/api/v1/tickets/{}/recall", "/api/v1/tickets/{}/transfer",
                                  "/api/v1/tickets/{}/call-out-of-turn", "/api/v1/appointments/{}/cancel",
                                  "/api/v1/centres/{}/board", "/api/v1/centres/{}/slots?date=2026-11-24"])
def test_centres_hostile_ids_are_refused(hall: Hall, path: str, value: str) -> None:
    client = api_client(hall.users["manager"])
    url = path.format(value)
    response = client.get(url) if "/board" in path or "/slots" in path else \
        client.post(url, {"counter_id": hall.windows[3].pk, "reason": "x" * 20, "code": "X", "iin": "1",
                          "service_code": hall.service.code}, content_type="application/json")
    _assert_answered(response)


@pytest.mark.parametrize("field", ["counter_id"])
@pytest.mark.parametrize("value", [99999999999999999999, 9223372036854775808, -1, 0, "1; DROP", 1.5, None, [], {}])
@pytest.mark.parametrize("endpoint", ["transfer", "call-out-of-turn"])
def test_centres_hostile_ids_in_bodies_are_refused(hall: Hall, endpoint: str, field: str, value: Any) -> None:
    if endpoint == "transfer" and value is None:
        pytest.skip("no counter is a valid choice when a service is named")
    _assert_answered(_centre_post(hall, endpoint, _centre_body(hall, endpoint, **{field: value})))


@pytest.mark.parametrize("field", ["kind", "priority", "service_code"])
@pytest.mark.parametrize("value", XSS + SQL + ["\x00", "", 12, [], {}, "x" * 5000])
def test_centres_hostile_ticket_fields_are_refused(hall: Hall, field: str, value: Any) -> None:
    if field == "service_code" and value == "":
        pytest.skip("no service is a valid choice for a consultation")
    response = _centre_post(hall, "tickets", _centre_body(hall, "tickets", **{field: value}))
    _assert_answered(response)
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("endpoint", "field", "value"), [
    ("call-out-of-turn", "reason", "x" * 5000), ("call-out-of-turn", "reason", ""),
    ("call-out-of-turn", "reason", None), ("transfer", "reason", "x" * 5000), ("transfer", "service_code", "NOPE"),
    ("appointments", "channel", "sms"), ("appointments", "channel", "<script>"), ("appointments", "service_code", ""),
    ("check-in", "code", "x" * 500), ("check-in", "code", ""), ("start", "priority_proof_checked", "maybe"),
])
def test_centres_hostile_fields_are_refused(hall: Hall, endpoint: str, field: str, value: Any) -> None:
    _assert_answered(_centre_post(hall, endpoint, _centre_body(hall, endpoint, **{field: value})))


@pytest.mark.parametrize("key", ["x" * 101, "\x00", "a\nb"])
def test_centres_bad_idempotency_keys_are_refused(hall: Hall, key: str) -> None:
    _assert_answered(_centre_post(hall, "tickets", _centre_body(hall, "tickets"), HTTP_IDEMPOTENCY_KEY=key),
                     allowed=(201,))


@pytest.mark.parametrize("code", ["%00", "..%2F..%2Fetc%2Fpasswd", "' OR 1=1 --", "<script>", "A" * 3000, "%20",
                                  "*", "%25"])
def test_centres_hostile_ticket_codes_are_refused(hall: Hall, code: str) -> None:
    _assert_answered(Client().get(f"/api/v1/tickets/by-code/{code}"))

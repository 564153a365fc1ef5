"""Admission control: beyond capacity an API request is refused with 503 + Retry-After and nothing is
saved; the arrival ticket keeps the applicant's place in the order of submission on their retry."""

import datetime as dt
import json
import time
from collections.abc import Iterator

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from tereze.applications.models import Application
from tereze.core import clock
from tereze.core.admission import TICKET_HEADER, AdmissionControl, crowd, ticket_arrival
from tereze.server import ARRIVED_AT, door_refusal
from tests.applications.helpers import api_client, api_payload


def first_arrival() -> dt.datetime:
    """Within the ticket's validity (10 minutes by default), with microseconds: nothing is rounded."""
    return (clock.now() - dt.timedelta(seconds=30)).replace(microsecond=123456)


@pytest.fixture(autouse=True)
def _quiet_crowd() -> Iterator[None]:
    """Nobody refused or admitted lately, and a base Retry-After of 3 s."""
    crowd.forget()
    with override_settings(TEREZE_API_RETRY_AFTER=3):
        yield


def full_gate() -> AdmissionControl:
    """A gate whose only slot is taken (the request in progress elsewhere)."""
    with override_settings(TEREZE_API_CONCURRENCY=1, TEREZE_API_QUEUE_SECONDS=0):
        gate = AdmissionControl(lambda request: HttpResponse("served", status=201))
    assert gate.slots is not None and gate.slots.acquire(blocking=False)
    return gate


def refused_ticket(key: str, at: dt.datetime) -> str:
    with clock.frozen(at):
        response = full_gate()(RequestFactory().post("/api/v1/applications", headers={"Idempotency-Key": key}))
    assert response.status_code == 503
    return str(response[TICKET_HEADER])


def test_beyond_capacity_the_answer_is_503_with_retry_after_and_a_reason() -> None:
    response = full_gate()(RequestFactory().post("/api/v1/applications", headers={"Idempotency-Key": "k-1"}))
    assert response.status_code == 503
    assert response["Retry-After"] == "3"
    body = json.loads(response.content)
    assert "at capacity" in body["detail"] and "not processed" in body["detail"]
    assert body["arrival_ticket"] == response[TICKET_HEADER]


def test_the_bigger_the_crowd_refused_for_each_admitted_the_later_it_is_told_to_come_back() -> None:
    gate = full_gate()
    waits = []
    crowd.service_time = 2.0  # a slow service: the one slot admits one every 2 s
    for _ in range(3):
        crowd.admitted.add()
    for _ in range(60):
        waits.append(int(gate(RequestFactory().post("/api/v1/applications"))["Retry-After"]))
    assert waits[0] == 3  # nobody refused yet: the base wait
    assert waits == sorted(waits) and 3 < waits[10] < waits[40]  # ten refused for three admitted: ~13 s
    assert waits[-1] == 60  # never beyond TEREZE_API_RETRY_AFTER_MAX


def test_time_spent_waiting_for_a_thread_counts_against_the_patience_and_is_the_arrival() -> None:
    with override_settings(TEREZE_API_CONCURRENCY=4, TEREZE_API_QUEUE_SECONDS=2):
        gate = AdmissionControl(lambda request: HttpResponse(str(request.arrived_at.timestamp()), status=201))
    now = clock.now().timestamp()
    waited_long = RequestFactory().post("/api/v1/applications", headers={"Idempotency-Key": "k-3"})
    waited_long.META[ARRIVED_AT] = now - 3  # stamped by the server worker, three seconds ago
    refused = gate(waited_long)
    assert refused.status_code == 503  # slots are free, but it already waited longer than it may
    assert ticket_arrival(refused[TICKET_HEADER], "k-3", now=clock.now()).timestamp() == pytest.approx(now - 3)
    waited_briefly = RequestFactory().post("/api/v1/applications")
    waited_briefly.META[ARRIVED_AT] = now - 0.5
    served = gate(waited_briefly)
    assert served.status_code == 201 and float(served.content) == pytest.approx(now - 0.5)


def test_pages_outside_the_api_are_not_bounded_here() -> None:
    assert full_gate()(RequestFactory().get("/services/")).status_code == 201


def test_a_refused_request_saved_nothing(world) -> None:
    gate = full_gate()
    gate.get_response = lambda request: api_client(world.operator).post(  # would submit if admitted
        "/api/v1/applications", api_payload(world), content_type="application/json")
    assert gate(RequestFactory().post("/api/v1/applications")).status_code == 503
    assert not Application.objects.exists()


def test_a_retry_with_its_ticket_keeps_the_first_arrival_as_the_moment_of_submission(world) -> None:
    arrived = first_arrival()
    ticket = refused_ticket("retry-1", arrived)
    later = api_client(world.operator).post("/api/v1/applications", api_payload(world), content_type="application/json",
                                            headers={"Idempotency-Key": "newcomer"})
    retried = api_client(world.operator).post("/api/v1/applications", api_payload(world),
                                              content_type="application/json",
                                              headers={"Idempotency-Key": "retry-1", TICKET_HEADER: ticket})
    assert later.status_code == retried.status_code == 201
    first = Application.objects.get(number=retried.json()["number"])
    assert first.created_at == arrived
    assert first.events.get(kind="submitted").at == arrived
    # in the order of submission the applicant who was told to come back is ahead of the newcomer
    assert list(Application.objects.order_by("created_at").values_list("idempotency_key", flat=True)) == [
        "retry-1", "newcomer"]


@pytest.mark.parametrize("tamper", ["other key", "forged", "stale"])
def test_a_ticket_for_another_key_forged_or_stale_buys_no_earlier_place(world, tamper: str) -> None:
    key = "retry-2"
    arrived = first_arrival()
    ticket = refused_ticket(key, clock.now() - dt.timedelta(hours=2) if tamper == "stale" else arrived)
    if tamper == "other key":
        key = "someone-else"
    if tamper == "forged":
        ticket = ticket.replace(ticket.split(":")[0], str(arrived.timestamp() - 3600))
    response = api_client(world.operator).post("/api/v1/applications", api_payload(world),
                                               content_type="application/json",
                                               headers={"Idempotency-Key": key, TICKET_HEADER: ticket})
    assert response.status_code == 201  # the ticket is ignored, not an error: the request counts as arriving now
    created_at = Application.objects.get(number=response.json()["number"]).created_at
    assert created_at > clock.now() - dt.timedelta(minutes=1)


def test_turned_away_at_the_door_an_api_client_gets_503_retry_after_and_its_ticket() -> None:
    arrived = first_arrival()
    request = (b"POST /api/v1/applications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Idempotency-Key: door-1\r\nContent-Length: 2\r\n\r\n{}")
    head, _, body = door_refusal(request, arrived.timestamp()).partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert lines[0] == "HTTP/1.1 503 Service Unavailable" and int(headers["Content-Length"]) == len(body)
    assert headers["Retry-After"] == "3" and headers["Connection"] == "close"
    assert ticket_arrival(headers[TICKET_HEADER], "door-1", now=clock.now()) == arrived
    assert json.loads(body)["arrival_ticket"] == headers[TICKET_HEADER]


def test_a_retry_turned_away_again_keeps_its_first_arrival() -> None:
    first = first_arrival()
    ticket = refused_ticket("door-2", first)
    request = (f"POST /api/v1/applications HTTP/1.1\r\nIdempotency-Key: door-2\r\n{TICKET_HEADER}: {ticket}\r\n"
               "\r\n").encode()
    head = door_refusal(request, clock.now().timestamp()).partition(b"\r\n\r\n")[0].decode()
    again = dict(line.split(": ", 1) for line in head.split("\r\n")[1:])[TICKET_HEADER]
    assert ticket_arrival(again, "door-2", now=clock.now()) == first


def test_a_browser_turned_away_at_the_door_gets_a_waiting_room_that_retries_by_itself() -> None:
    response = door_refusal(b"GET /services/ HTTP/1.1\r\nHost: x\r\n\r\n", clock.now().timestamp()).decode()
    assert response.startswith("HTTP/1.1 503") and "text/html" in response
    assert '<meta http-equiv="refresh" content="3">' in response
    assert 'lang="kk"' in response and 'lang="ru"' in response and "try again by itself in 3 s" in response


def test_a_request_not_all_arrived_is_left_to_a_thread_not_answered_at_the_door() -> None:
    now = clock.now().timestamp()
    assert door_refusal(b"POST /api/v1/applications HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}", now) is None
    assert door_refusal(b"POST /api/v1/applications HTTP/1.1\r\nIdempotency-Key: k", now) is None
    assert door_refusal(b"POST /api/v1/applications HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\n{}", now) is None


def test_once_the_crowd_has_thinned_out_the_last_refused_are_not_told_to_wait_longest() -> None:
    gate = full_gate()
    for _ in range(30):  # a busy spell: thirty admitted
        crowd.admitted.add()
    for _ in range(30):
        gate(RequestFactory().post("/api/v1/applications"))
    crowd.admitted.count = 0.0  # seconds later hardly anyone is admitted, because hardly anyone comes
    wait = int(gate(RequestFactory().post("/api/v1/applications"))["Retry-After"])
    assert wait <= 2 * 3  # refused per admitted at the pace the process showed it can admit, not per straggler


def test_a_crowd_falling_on_an_idle_process_is_told_to_come_back_soon() -> None:
    def ten_milliseconds(request: object) -> HttpResponse:
        time.sleep(0.01)
        return HttpResponse("served", status=201)

    with override_settings(TEREZE_API_CONCURRENCY=2, TEREZE_API_QUEUE_SECONDS=0):
        gate = AdmissionControl(ten_milliseconds)
    gate(RequestFactory().post("/api/v1/applications"))  # the only request for a while: 10 ms
    assert gate.slots is not None and gate.slots.acquire(blocking=False) and gate.slots.acquire(blocking=False)
    waits = [int(gate(RequestFactory().post("/api/v1/applications"))["Retry-After"]) for _ in range(60)]
    # One admitted lately, but one slot alone admits ~100 a second: sixty refused is not a minute's queue.
    assert max(waits) <= 2 * 3, waits

"""The queue API: kiosks, operator consoles, the board and bookings. Handlers are thin: they find
the object through a selector (which applies the access rules) and call one action; the actions
have the same side effects as the pages (board, events, audit, notifications)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Header, Query, Router, Status
from ninja.security import django_auth

from tereze.applications.schemas import ErrorOut
from tereze.centres import actions, selectors
from tereze.centres.models import Appointment, Ticket
from tereze.centres.schemas import (
    AppointmentIn,
    AppointmentOut,
    BoardOut,
    CheckInIn,
    OverrideIn,
    SlotOut,
    SlotsIn,
    StartIn,
    TicketIn,
    TicketOut,
    TransferIn,
)
from tereze.core.errors import Forbidden, ValidationFailed
from tereze.core.models import User
from tereze.core.roles import CENTRE_ROLES, Role
from tereze.core.tokens import BearerAuth
from tereze.registry.models import Service

router = Router(tags=["centres"], auth=[BearerAuth(), django_auth])
ERRORS: dict[int, type] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _centre_staff(request: HttpRequest) -> User:
    """Tickets are issued (and bookings checked in) by the centre's kiosks and staff only."""
    viewer = _user(request)
    if viewer.role not in CENTRE_ROLES and viewer.role != Role.ADMINISTRATOR:
        raise Forbidden("tickets are issued by the centre's kiosks and staff")
    return viewer


def _service(code: str | None) -> Service | None:
    if not code:
        return None
    service = Service.objects.filter(code=code).first()
    if service is None:
        raise ValidationFailed(f"there is no service with code '{code}'", {"service_code": "unknown service"})
    return service


def _required_service(code: str) -> Service:
    service = _service(code)
    if service is None:
        raise ValidationFailed("choose the service", {"service_code": "required"})
    return service


def ticket_out(ticket: Ticket) -> TicketOut:
    place = selectors.ticket_position(ticket)
    return TicketOut(id=ticket.pk, number=ticket.number, kind=ticket.kind,
                     service_code=ticket.service.code if ticket.service else None, status=ticket.status,
                     priority=ticket.priority, counter=ticket.counter.number if ticket.counter else None,
                     position=place["position"], wait_minutes=place["wait_minutes"],
                     status_url=reverse("queue-ticket-status", args=[ticket.code]))


def appointment_out(appointment: Appointment) -> AppointmentOut:
    return AppointmentOut(id=appointment.pk, code=appointment.code, centre=appointment.centre.code,
                          service_code=appointment.service.code, slot_start=appointment.slot_start,
                          slot_minutes=appointment.slot_minutes, status=appointment.status)


@router.post("/centres/{centre_id}/tickets", response={201: TicketOut, **ERRORS},
             summary="Take a ticket (kiosk devices and centre staff)")
def ticket_take(request: HttpRequest, centre_id: int, payload: TicketIn, response: HttpResponse,
                idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100),
                ) -> Status[TicketOut]:
    """A repeated request with the same Idempotency-Key returns the same ticket."""
    viewer = _centre_staff(request)
    centre = selectors.centre_get(centre_id=centre_id, viewer=viewer)
    key = f"api:{viewer.pk}:{idempotency_key}" if idempotency_key else None
    if key and selectors.ticket_by_idempotency_key(centre=centre, key=key) is not None:
        response["Idempotent-Replayed"] = "true"
    ticket = actions.ticket_issue(centre=centre, kind=payload.kind, service=_service(payload.service_code),
                                  iin=payload.iin, priority=payload.priority, actor=viewer, channel="api",
                                  idempotency_key=key)
    return Status(201, ticket_out(ticket))


@router.post("/centres/{centre_id}/check-in", response={201: TicketOut, **ERRORS},
             summary="Check a booking in at the kiosk: it joins the live queue at its time")
def check_in(request: HttpRequest, centre_id: int, payload: CheckInIn) -> Status[TicketOut]:
    viewer = _centre_staff(request)  # analysts and auditors see every centre but write to no queue
    centre = selectors.centre_get(centre_id=centre_id, viewer=viewer)
    ticket = actions.appointment_check_in(centre=centre, code=payload.code, iin=payload.iin, actor=viewer)
    return Status(201, ticket_out(ticket))


@router.post("/counters/{counter_id}/call-next", response={200: TicketOut, 204: None, **ERRORS},
             summary="Call the next ticket by the written rule (the operator at this counter)")
def call_next(request: HttpRequest, counter_id: int) -> Status[TicketOut | None]:
    viewer = _user(request)
    counter = selectors.counter_get(counter_id=counter_id, viewer=viewer)
    ticket = actions.ticket_call_next(counter=counter, operator=viewer)
    return Status(204, None) if ticket is None else Status(200, ticket_out(ticket))


@router.post("/counters/{counter_id}/sign-in", response={204: None, **ERRORS}, summary="Take this counter")
def sign_in(request: HttpRequest, counter_id: int) -> Status[None]:
    viewer = _user(request)
    actions.counter_sign_in(counter=selectors.counter_get(counter_id=counter_id, viewer=viewer), operator=viewer)
    return Status(204, None)


def _ticket(request: HttpRequest, ticket_id: int) -> tuple[Ticket, User]:
    viewer = _user(request)
    return selectors.ticket_get(ticket_id=ticket_id, viewer=viewer), viewer


@router.post("/tickets/{ticket_id}/start", response={200: TicketOut, **ERRORS}, summary="The visitor came")
def start(request: HttpRequest, ticket_id: int, payload: StartIn | None = None) -> TicketOut:
    if request.body and not request.body.lstrip().startswith(b"{"):  # the body is optional, but an object
        raise ValidationFailed("send the body as a JSON object (or no body)", {"body": "not an object"})
    ticket, viewer = _ticket(request, ticket_id)
    return ticket_out(actions.ticket_start(ticket=ticket, operator=viewer,
                                           priority_proof_checked=payload.priority_proof_checked if payload else None))


@router.post("/tickets/{ticket_id}/finish", response={200: TicketOut, **ERRORS}, summary="Service done")
def finish(request: HttpRequest, ticket_id: int) -> TicketOut:
    ticket, viewer = _ticket(request, ticket_id)
    return ticket_out(actions.ticket_finish(ticket=ticket, operator=viewer))


@router.post("/tickets/{ticket_id}/no-show", response={200: TicketOut, **ERRORS}, summary="Called, did not come")
def no_show(request: HttpRequest, ticket_id: int) -> TicketOut:
    ticket, viewer = _ticket(request, ticket_id)
    return ticket_out(actions.ticket_no_show(ticket=ticket, operator=viewer))


@router.post("/tickets/{ticket_id}/recall", response={200: TicketOut, **ERRORS}, summary="Call again on the board")
def recall(request: HttpRequest, ticket_id: int) -> TicketOut:
    ticket, viewer = _ticket(request, ticket_id)
    return ticket_out(actions.ticket_recall(ticket=ticket, operator=viewer))


@router.post("/tickets/{ticket_id}/transfer", response={200: TicketOut, **ERRORS},
             summary="Send to another service's queue or a named counter (keeps the place)")
def transfer(request: HttpRequest, ticket_id: int, payload: TransferIn) -> TicketOut:
    ticket, viewer = _ticket(request, ticket_id)
    counter = None if payload.counter_id is None else selectors.counter_get(counter_id=payload.counter_id,
                                                                            viewer=viewer)
    return ticket_out(actions.ticket_transfer(ticket=ticket, operator=viewer, service=_service(payload.service_code),
                                              counter=counter, reason=payload.reason))


@router.post("/tickets/{ticket_id}/call-out-of-turn", response={200: TicketOut, **ERRORS},
             summary="Serve out of turn (centre manager, with a reason; reported)")
def call_out_of_turn(request: HttpRequest, ticket_id: int, payload: OverrideIn) -> TicketOut:
    ticket, viewer = _ticket(request, ticket_id)
    counter = selectors.counter_get(counter_id=payload.counter_id, viewer=viewer)
    return ticket_out(actions.ticket_call_out_of_turn(ticket=ticket, counter=counter, manager=viewer,
                                                      reason=payload.reason))


@router.get("/tickets/by-code/{code}", response={200: TicketOut, **ERRORS}, auth=None,
            summary="A ticket's place and estimated wait, by the code printed on it")
def ticket_status(request: HttpRequest, code: str) -> TicketOut:
    return ticket_out(selectors.ticket_by_code(code=code[:16]))


@router.get("/centres/{centre_id}/board", response={200: BoardOut, **ERRORS}, auth=None, url_name="board",
            summary="The hall's display board: called tickets and counters (no personal data)")
def board(request: HttpRequest, centre_id: int) -> BoardOut:
    return BoardOut(**selectors.board(centre=selectors.centre_public(centre_id=centre_id)))


@router.get("/centres/{centre_id}/slots", response={200: list[SlotOut], **ERRORS}, auth=None,
            summary="Bookable times for a service on a date")
def slots(request: HttpRequest, centre_id: int, params: Query[SlotsIn]) -> list[SlotOut]:
    centre = selectors.centre_public(centre_id=centre_id)
    service = _required_service(params.service)
    return [SlotOut(start=s.start, minutes=s.minutes, capacity=s.capacity, free=s.free)
            for s in selectors.centre_slots(centre=centre, service=service, day=params.date)]


@router.post("/centres/{centre_id}/appointments", response={201: AppointmentOut, **ERRORS},
             summary="Book a visit (the citizen for themselves, or centre staff by phone)")
def book(request: HttpRequest, centre_id: int, payload: AppointmentIn) -> Status[AppointmentOut]:
    centre = selectors.centre_public(centre_id=centre_id)
    service = _required_service(payload.service_code)
    appointment = actions.appointment_book(centre=centre, service=service, iin=payload.iin,
                                           slot_start=payload.slot_start, actor=_user(request),
                                           channel=payload.channel)
    return Status(201, appointment_out(appointment))


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS},
             summary="Cancel a booking")
def cancel(request: HttpRequest, appointment_id: int) -> AppointmentOut:
    appointment = selectors.appointment_get(appointment_id=appointment_id, viewer=_user(request))
    return appointment_out(actions.appointment_cancel(appointment=appointment, actor=_user(request)))

"""Pages of the centre: kiosk, ticket, board (public, in the hall), operator console, manager page,
situational centre, and the citizen's queue. Thin: a selector or one action each."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tereze.applications.views import staff_only
from tereze.centres import actions, selectors
from tereze.centres.forms import CheckInForm, KioskForm, OverrideForm, TransferForm, served_services
from tereze.centres.models import Counter
from tereze.centres.states import TicketKind, TicketStatus
from tereze.core import clock
from tereze.core.errors import DomainError, NotFound
from tereze.core.http import not_found_page, request_user, signed_in
from tereze.core.models import User
from tereze.core.roles import CENTRE_ROLES, NATIONWIDE_ROLES, Role
from tereze.registry.models import Region, Service

MANAGERS = (Role.CENTRE_MANAGER, Role.CENTRE_SUPERVISOR, Role.ADMINISTRATOR)


def _kiosk_actor(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.role in CENTRE_ROLES else None


def _add_errors(form: Any, error: DomainError) -> None:
    form.add_error(None, error.message)
    for field, problem in getattr(error, "errors", {}).items():
        if field in form.fields:
            form.add_error(field, problem)


# ---------------------------------------------------------------- in the hall (public)

@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, centre_id: int) -> HttpResponse:
    try:
        centre = selectors.centre_public(centre_id=centre_id)
    except NotFound as error:
        return not_found_page(request, error.message)
    form = KioskForm(request.POST if "take" in request.POST else None, centre=centre)
    check_in = CheckInForm(request.POST if "check_in" in request.POST else None)
    if request.method == "POST":
        try:
            if "take" in request.POST and form.is_valid():
                data = form.cleaned_data
                service = Service.objects.filter(code=data["service"]).first() if data["service"] else None
                token = request.POST.get("kiosk_token", "")[:60]
                ticket = actions.ticket_issue(centre=centre, kind=data["kind"], service=service, iin=data["iin"],
                                              priority=data["priority"], actor=_kiosk_actor(request),
                                              idempotency_key=f"kiosk:{token}" if token else None)
                return redirect("queue-ticket-status", ticket.code)
            if "check_in" in request.POST and check_in.is_valid():
                ticket = actions.appointment_check_in(centre=centre, actor=_kiosk_actor(request),
                                                      **check_in.cleaned_data)
                return redirect("queue-ticket-status", ticket.code)
        except DomainError as error:
            _add_errors(form if "take" in request.POST else check_in, error)
    return render(request, "centres/kiosk.html", {"centre": centre, "form": form, "check_in": check_in,
                                                  "kiosk_token": secrets.token_urlsafe(16)})


@require_GET
def ticket_status(request: HttpRequest, code: str) -> HttpResponse:
    """The printed ticket and its live status page (no personal data: the code is the key)."""
    try:
        ticket = selectors.ticket_by_code(code=code[:16])
    except NotFound as error:
        return not_found_page(request, error.message)
    return render(request, "centres/ticket.html", {"ticket": ticket, **selectors.ticket_position(ticket)})


@require_GET
def board(request: HttpRequest, centre_id: int) -> HttpResponse:
    try:
        centre = selectors.centre_public(centre_id=centre_id)
    except NotFound as error:
        return not_found_page(request, error.message)
    return render(request, "centres/board.html", {"centre": centre, "board": selectors.board(centre=centre),
                                                  "api": reverse("api:board", args=[centre.pk])})


# ---------------------------------------------------------------- staff

@staff_only(*CENTRE_ROLES, *NATIONWIDE_ROLES)
def queue_home(request: HttpRequest) -> HttpResponse:
    """The one "Queue" link: operators to their counter, managers to their centre, analysts to the
    situational centre."""
    role = request_user(request).role
    if role in (Role.OPERATOR, Role.CONSULTANT):
        return redirect("queue-console")
    if role in MANAGERS and role != Role.ADMINISTRATOR:
        return redirect("queue-manager")
    return redirect("queue-situation")


# ---------------------------------------------------------------- the operator's console

@staff_only(Role.OPERATOR, Role.CONSULTANT, Role.CENTRE_SUPERVISOR, Role.CENTRE_MANAGER)
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    viewer = request_user(request)
    counter = selectors.operator_counter(viewer)
    ticket = selectors.current_ticket(counter) if counter else None
    centre = selectors.centre_get(centre_id=viewer.centre_id or 0, viewer=viewer)
    transfer_form = TransferForm(request.POST if request.POST.get("do") == "transfer" else None, centre=centre)
    if request.method == "POST":
        do = request.POST.get("do", "")
        try:
            if do == "sign_in":
                chosen = selectors.counter_get(counter_id=int(request.POST.get("counter") or 0), viewer=viewer)
                actions.counter_sign_in(counter=chosen, operator=viewer)
            elif counter is None:
                raise NotFound(_("Sign in at a counter first."))
            elif do == "sign_out":
                actions.counter_sign_out(counter=counter, operator=viewer)
            elif do == "call_next":
                if actions.ticket_call_next(counter=counter, operator=viewer) is None:
                    messages.info(request, _("Nobody is waiting for this counter."))
            elif ticket is None:
                raise NotFound(_("There is no ticket at your counter."))
            elif do == "recall":
                actions.ticket_recall(ticket=ticket, operator=viewer)
            elif do == "start":
                actions.ticket_start(ticket=ticket, operator=viewer,
                                     priority_proof_checked=request.POST.get("proof") == "on")
            elif do == "no_show":
                actions.ticket_no_show(ticket=ticket, operator=viewer)
            elif do == "finish":
                done = actions.ticket_finish(ticket=ticket, operator=viewer)
                if done.kind == TicketKind.APPLICATION and done.service is not None and done.iin:
                    # Finishing an application-service ticket opens intake for that citizen.
                    return redirect(reverse("intake", args=[done.service.code]) + "?"
                                    + urlencode({"applicant": done.iin, "ticket": done.number}))
            elif do == "transfer" and transfer_form.is_valid():
                data = transfer_form.cleaned_data
                target = selectors.counter_get(counter_id=int(data["counter"]), viewer=viewer) \
                    if data["counter"] else None
                service = Service.objects.filter(code=data["service"]).first() if data["service"] else None
                actions.ticket_transfer(ticket=ticket, operator=viewer, service=service, counter=target,
                                        reason=data["reason"])
            else:
                return render(request, "centres/console.html", _console_context(viewer, counter, ticket, centre,
                                                                                 transfer_form), status=422)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("queue-console")
    return render(request, "centres/console.html", _console_context(viewer, counter, ticket, centre, transfer_form))


def _console_context(viewer: User, counter: Counter | None, ticket: Any, centre: Any, transfer_form: Any
                     ) -> dict[str, Any]:
    return {
        "counter": counter, "centre": centre,
        "counters": selectors.staffed_counters(centre) if counter is None else [],
        "summary": selectors.queue_summary_for_counter(counter) if counter else None,
        "current": selectors.caller_view(ticket, viewer=viewer) if ticket else None,
        "transfer_form": transfer_form, "serving": TicketStatus.SERVING, "called": TicketStatus.CALLED,
    }


# ---------------------------------------------------------------- the manager and the situational centre

@staff_only(*MANAGERS)
@require_http_methods(["GET", "POST"])
def manager(request: HttpRequest) -> HttpResponse:
    viewer = request_user(request)
    try:
        centre = selectors.centre_get(centre_id=int(request.GET.get("centre") or viewer.centre_id or 0),
                                      viewer=viewer)
    except NotFound as error:
        return not_found_page(request, error.message)
    form = OverrideForm(request.POST or None, centre=centre)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = selectors.ticket_by_number(centre=centre, number=form.cleaned_data["number"])
            counter = selectors.counter_get(counter_id=int(form.cleaned_data["counter"]), viewer=viewer)
            actions.ticket_call_out_of_turn(ticket=ticket, counter=counter, manager=viewer,
                                            reason=form.cleaned_data["reason"])
            messages.warning(request, _("Called out of turn. The override is recorded and reported."))
            return redirect("queue-manager")
        except DomainError as error:
            _add_errors(form, error)
    return render(request, "centres/manager.html", {**selectors.centre_live(centre=centre), "form": form})


@staff_only(*NATIONWIDE_ROLES, *MANAGERS)
@require_GET
def situation(request: HttpRequest) -> HttpResponse:
    viewer = request_user(request)
    region = request.GET.get("region", "")[:32]
    rows = selectors.situation(viewer=viewer, region_code=region)
    return render(request, "centres/situation.html", {
        "rows": rows, "region": region, "regions": Region.objects.order_by("name_en"),
        "totals": {k: sum(r[k] for r in rows) for k in ("waiting", "served", "accepted", "returned", "overdue")},
        "alarms": sum(1 for r in rows if r["alarm"]),
        "report": selectors.overrides_report(viewer=viewer),
    })


# ---------------------------------------------------------------- the citizen

@signed_in
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The portal's booking page: pick a service and a day, see the free times, book one."""
    viewer = request_user(request)
    try:
        centre = selectors.centre_public(centre_id=centre_id)
    except NotFound as error:
        return not_found_page(request, error.message)
    services = served_services(centre)
    code = request.POST.get("service") or request.GET.get("service") or ""
    service = next((s for s in services if s.code == code), None)
    try:
        day = dt.date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else clock.today()
    except ValueError:
        day = clock.today()
    if request.method == "POST" and service is not None:
        try:
            slot = dt.datetime.fromisoformat(request.POST.get("slot", ""))
            appointment = actions.appointment_book(centre=centre, service=service, iin=viewer.iin or viewer.bin or "",
                                                   slot_start=slot, actor=viewer, channel="portal")
        except ValueError:
            messages.error(request, _("Choose one of the offered times."))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Booked. Your code for the kiosk: %(code)s") % {"code": appointment.code})
            return redirect("queue-mine")
    slots = selectors.centre_slots(centre=centre, service=service, day=day) if service else []
    return render(request, "centres/book.html", {"centre": centre, "services": services, "service": service,
                                                 "day": day, "slots": slots})

@signed_in
@require_GET
def my_queue(request: HttpRequest) -> HttpResponse:
    viewer = request_user(request)
    tickets = [{"ticket": t, **selectors.ticket_position(t)} for t in selectors.citizen_tickets(viewer=viewer)]
    return render(request, "centres/my_queue.html",
                  {"tickets": tickets, "appointments": selectors.citizen_appointments(viewer=viewer)})

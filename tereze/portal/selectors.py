"""Reads for the citizen's pages. Everything is filtered by the signed-in applicant: another
person's application, draft, result, rating or data-access log is simply not found (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tereze.applications.models import Application
from tereze.applications.selectors import visible_applications
from tereze.applications.states import Status
from tereze.core.errors import NotFound
from tereze.core.models import AuditEntry, Business, Person, User
from tereze.core.roles import APPLICANT_ROLES, CENTRE_ROLES, Role


def own_ids(user: User) -> list[str]:
    """The identity numbers an applicant acts for: a citizen their IIN, a representative the BIN."""
    if user.role == Role.BUSINESS:
        return [user.bin] if user.bin else []
    if user.role == Role.CITIZEN:
        return [user.iin] if user.iin else []
    return []


def cabinet_applications(*, viewer: User) -> QuerySet[Application]:
    """Submitted applications (any channel) of the applicant; drafts and deleted drafts are not
    applications yet."""
    if viewer.role not in APPLICANT_ROLES:
        return Application.objects.none()
    return (visible_applications(viewer).exclude(status=Status.DRAFT)
            .exclude(status=Status.WITHDRAWN, accepted_at__isnull=True)
            .select_related("result", "rating").order_by("-created_at"))


def cabinet_application_get(*, viewer: User, number: str) -> Application:
    application = cabinet_applications(viewer=viewer).filter(number=number).first()
    if application is None:
        raise NotFound(f"no application {number} that you may see")
    return application


def drafts(*, actor: User, applicant_id: str | None = None) -> QuerySet[Application]:
    """Drafts the actor started: a citizen's own, or a consultant's for the citizen they assist."""
    qs = Application.objects.filter(status=Status.DRAFT, submitted_by=actor).select_related("service", "tier")
    if actor.role in APPLICANT_ROLES:
        return qs.filter(applicant_iin__in=own_ids(actor))
    if actor.role in CENTRE_ROLES and applicant_id:
        return qs.filter(applicant_iin=applicant_id, assisted=True)
    return qs.none()


def draft_get(*, actor: User, number: str, applicant_id: str | None = None) -> Application:
    draft = drafts(actor=actor, applicant_id=applicant_id).select_related("standard", "service__body").filter(
        number=number).first()
    if draft is None:
        raise NotFound(f"no draft {number} that you may change")
    return draft


def data_access_log(*, viewer: User, limit: int = 500) -> QuerySet[AuditEntry]:
    """Views of the applicant's personal data by staff: the body or centre and the time, never who."""
    ids = own_ids(viewer)
    if not ids:
        return AuditEntry.objects.none()
    return (AuditEntry.objects.filter(action="personal_data.view", subject_iin__in=ids)
            .select_related("body", "centre").only("at", "object_type", "object_id", "body", "centre",
                                                   "actor_role")
            .order_by("-at")[:limit])


def applicant_profile(*, applicant_id: str) -> dict[str, Any]:
    """What the state already holds about the applicant, for prefilling the form."""
    person = Person.objects.filter(iin=applicant_id).select_related("region").first()
    if person is not None:
        return {"kind": "person", "person": person, "iin": person.iin, "name": person.full_name,
                "birth_date": person.birth_date, "address": person.address, "phone": person.phone,
                "email": person.email, "region": person.region.t("name") if person.region else ""}
    business = Business.objects.filter(bin=applicant_id).select_related("region").first()
    if business is not None:
        head = Person.objects.filter(iin=business.head_iin).first()
        return {"kind": "business", "business": business, "bin": business.bin, "name": business.name,
                "registered_on": business.registered_on, "head": head.full_name if head else "",
                "address": "", "phone": head.phone if head else "", "email": head.email if head else "",
                "region": business.region.t("name") if business.region else ""}
    return {"kind": "unknown"}


def where_now(application: Application) -> str:
    """Plain words for where the file is."""
    from django.utils.translation import gettext as _

    status = application.status
    if status in (Status.SUBMITTED, Status.ACCEPTED):
        return _("front office: accepted, waiting to be passed to %(body)s") % {"body": application.body.t("name")}
    if status in (Status.ASSIGNED, Status.IN_REVIEW, Status.RESUBMITTED, Status.SUSPENDED):
        return _("at %(body)s") % {"body": application.body.t("name")}
    if status == Status.RETURNED:
        return _("with you: correct and resubmit")
    if status in (Status.APPROVED, Status.REFUSED, Status.RESULT_READY):
        if application.centre_id and application.channel != "portal":
            return _("result ready at %(centre)s") % {"centre": application.centre.t("name")}  # type: ignore[union-attr]
        return _("result ready in your cabinet")
    if status == Status.ISSUED:
        return _("result received")
    return application.get_status_display()


def citizen_tickets(*, viewer: User) -> dict[str, list[Any]] | None:
    """Live queue tickets (with their place in the queue) and booked appointments, read from the
    centres module, which owns queues. None when that module offers no such selectors (the cabinet
    then leaves the section out); the portal never changes a ticket or a booking itself."""
    try:
        from tereze.centres import selectors as centres
    except ImportError:
        return None
    list_tickets = getattr(centres, "citizen_tickets", None)
    list_appointments = getattr(centres, "citizen_appointments", None)
    position = getattr(centres, "ticket_position", None)
    if not callable(list_tickets):
        return None
    tickets = [{"ticket": t, **(position(t) if callable(position) else {})} for t in list_tickets(viewer=viewer)]
    appointments = list(list_appointments(viewer=viewer)) if callable(list_appointments) else []
    return {"tickets": tickets, "appointments": appointments}


def centres_for_booking() -> list[Any]:
    """Every centre, by region, for the booking choice on a service page."""
    from tereze.centres.models import Centre

    return list(Centre.objects.select_related("region").order_by("region__name_en", "code"))

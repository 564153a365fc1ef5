"""Reads of applications, with the access rules: an applicant sees their own; an official the cases
assigned to them; a body supervisor the body's; centre staff their centre's; auditors all.
Anyone else gets NotFound (existence itself is private)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tereze.applications.models import Application, ApplicationEvent
from tereze.applications.states import CLOCK_RUNNING, OPEN_AT_BODY, Status
from tereze.core import clock
from tereze.core.audit import audit_personal_data_view
from tereze.core.calendar import add_working_days, working_days_between
from tereze.core.errors import NotFound
from tereze.core.models import User
from tereze.core.roles import APPLICANT_ROLES, CENTRE_ROLES, Role


def visible_applications(viewer: User) -> QuerySet[Application]:
    applications = Application.objects.select_related("service", "body", "centre", "standard", "tier")
    if not viewer.is_authenticated:
        return applications.none()
    if viewer.role in APPLICANT_ROLES:
        own = [i for i in (viewer.iin, viewer.bin if viewer.role == Role.BUSINESS else None) if i]
        return applications.filter(applicant_iin__in=own)
    if viewer.role == Role.OFFICIAL:
        return applications.filter(assignee=viewer)
    if viewer.role == Role.BODY_SUPERVISOR:
        return applications.filter(body_id=viewer.body_id)
    if viewer.role == Role.CONSULTANT:  # advises; sees only what they filed with a citizen who let them
        return applications.filter(submitted_by=viewer)
    if viewer.role in CENTRE_ROLES:
        return applications.filter(centre_id=viewer.centre_id or 0)
    if viewer.role in (Role.AUDITOR, Role.ADMINISTRATOR):
        return applications
    return applications.none()


def application_get(*, number: str, viewer: User, audit: bool = True) -> Application:
    application = visible_applications(viewer).filter(number=number).first()
    if application is None:
        raise NotFound(f"no application {number} that you may see")
    if audit and viewer.role not in APPLICANT_ROLES:
        audit_personal_data_view(viewer=viewer, subject_iin=application.applicant_iin,
                                 object_type="application", object_id=application.number)
    return application


def is_applicant(application: Application, viewer: User) -> bool:
    return viewer.role in APPLICANT_ROLES and application.applicant_iin in (viewer.iin, viewer.bin)


# Event payload keys the applicant (and the operator) must never see: who reviews is secret.
PRIVATE_PAYLOAD = {"assignee_id", "from_assignee_id"}


def timeline(application: Application, *, viewer: User) -> list[dict[str, Any]]:
    """The application's history: exactly its events. Applicants and centre staff see the body,
    never the official; staff of the body see who acted."""
    reveal_people = viewer.role in (Role.OFFICIAL, Role.BODY_SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR)
    rows = []
    events = ApplicationEvent.objects.filter(application=application).select_related("body", "centre", "actor")
    for event in events.order_by("at", "id"):
        row: dict[str, Any] = {
            "kind": event.kind, "from_status": event.from_status, "to_status": event.to_status, "at": event.at,
            "body": event.body.t("name"), "centre": event.centre.t("name") if event.centre else None,
            "actor_role": event.actor_role,
            "payload": {k: v for k, v in event.payload.items() if reveal_people or k not in PRIVATE_PAYLOAD},
        }
        if reveal_people:
            row["actor"] = event.actor.username if event.actor else "system"
        rows.append(row)
    return rows


def deadline_figures(application: Application, *, today: dt.date | None = None) -> dict[str, Any]:
    """Elapsed working days against the statutory term, for the timeline and the work queues."""
    today = today or clock.today()
    if application.accepted_at is None or application.due_date is None:
        return {"term": None, "elapsed": None, "overdue": False, "due_tomorrow": False}
    accepted = timezone.localdate(application.accepted_at)
    end = timezone.localdate(application.decided_at) if application.decided_at else today
    term = application.tier.deadline_working_days if application.tier else application.standard.deadline_working_days
    running = application.status in CLOCK_RUNNING
    return {
        "term": term,
        "elapsed": working_days_between(accepted, end),
        "overdue": running and application.due_date < today,
        "due_tomorrow": running and today < application.due_date <= add_working_days(today, 1),
    }


def official_queue(*, official: User) -> QuerySet[Application]:
    return visible_applications(official).filter(
        status__in=OPEN_AT_BODY | {Status.SUSPENDED, Status.RETURNED}).order_by("due_date", "accepted_at")


def body_open_work(*, supervisor: User) -> QuerySet[Application]:
    return (visible_applications(supervisor).exclude(status__in=[
        Status.ISSUED, Status.WITHDRAWN, Status.REFUSED_AT_INTAKE, Status.RESULT_READY, Status.DRAFT])
        .select_related("assignee").order_by("due_date"))


def overdue(*, viewer: User) -> QuerySet[Application]:
    return visible_applications(viewer).filter(status__in=CLOCK_RUNNING, due_date__lt=clock.today())


def ready_for_issue(*, operator: User) -> QuerySet[Application]:
    return visible_applications(operator).filter(status=Status.RESULT_READY).order_by("decided_at")


def result_by_code(code: str) -> Any:
    from tereze.applications.models import Result

    return (Result.objects.select_related("application", "application__service", "application__body")
            .filter(verification_code=code.strip().upper()).first())


def reassignments(*, supervisor: User, limit: int = 50) -> QuerySet[ApplicationEvent]:
    """The body's reassignments with their written reasons, newest first (the report oversight reads)."""
    return (ApplicationEvent.objects.filter(kind="reassigned", body_id=supervisor.body_id or 0)
            .select_related("application", "actor").order_by("-at")[:limit])

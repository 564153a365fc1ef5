"""Every write to an application. One function per use case, one transaction each; every state
change appends its ApplicationEvent in that transaction and writes an audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tereze.applications import messages
from tereze.applications.models import Application, ApplicationDocument, ApplicationEvent, Result
from tereze.applications.registers import registers
from tereze.applications.reviewers import Official, count_assignment, draw_official, forget_open_cases
from tereze.applications.states import CLOCK_RUNNING, OPEN_AT_BODY, Status, ensure_transition
from tereze.applications.uploads import Upload, store_upload
from tereze.core import clock
from tereze.core.audit import audit_entry, audit_record
from tereze.core.calendar import CalendarError, add_working_days, working_days_between
from tereze.core.errors import Forbidden, ValidationFailed
from tereze.core.identity import IdentityNumberError, validate_bin, validate_iin
from tereze.core.models import Notification, User
from tereze.core.notify import (
    citizen_notifications,
    deliver_after_commit_for,
    notify_citizen,
    notify_staff,
    staff_notification,
)
from tereze.core.people import remembered_people
from tereze.core.roles import APPLICANT_ROLES, BODY_ROLES, CENTRE_ROLES, Role
from tereze.core.rows import insert_together
from tereze.registry.models import (
    Channel,
    DocumentSource,
    InLanguage,
    RecipientType,
    Service,
    Standard,
    register_label,
)
from tereze.registry.selectors import standard_for_intake

_random = secrets.SystemRandom()
REASON_MIN_LENGTH = 10


def local_today() -> dt.date:
    return clock.today()


def application_number(service_code: str, today: dt.date) -> str:
    """Service, day and 48 random bits. 32 bits collided within a flash crowd of 100,000 for one
    service in one day (birthday bound: about one expected); 48 bits make it about 2 in 100,000
    such days, and a collision writes nothing (the unique constraint) so the retry succeeds."""
    return f"{service_code}-{today:%Y%m%d}-{secrets.token_hex(6).upper()}"


def _record(application: Application, *, kind: str, to_status: str, actor: User | None,
            payload: dict[str, Any] | None = None, fields: tuple[str, ...] = ()) -> ApplicationEvent:
    """Move the application to `to_status` (checked against the table), append its event and, when a
    person acted, the audit entry."""
    ensure_transition(application.status, to_status)
    event = _append(application, kind=kind, to_status=to_status, actor=actor, payload=payload, fields=fields)
    if actor is not None and actor.pk:
        audit_record(actor=actor, action=f"application.{kind}", object_type="application",
                     object_id=application.number, subject_iin=application.applicant_iin)
    return event


def _note(application: Application, *, kind: str, actor: User | None, payload: dict[str, Any],
          fields: tuple[str, ...] = ()) -> ApplicationEvent:
    """An event that changes no state (reassignment, deadline warning, overdue)."""
    return _append(application, kind=kind, to_status=application.status, actor=actor, payload=payload,
                   fields=fields)


def _append(application: Application, *, kind: str, to_status: str, actor: User | None,
            payload: dict[str, Any] | None, fields: tuple[str, ...]) -> ApplicationEvent:
    from_status = application.status
    application.status = to_status
    application.save(update_fields=["status", *fields])
    if application.assignee_id:
        forget_open_cases(application.body_id)  # its official's open cases may have changed
    return ApplicationEvent.objects.create(
        application=application, kind=kind, from_status=from_status, to_status=to_status,
        actor=actor if actor is not None and actor.pk else None,
        actor_role=actor.role if actor is not None and actor.pk else "system",
        body_id=application.body_id, centre_id=application.centre_id, channel=application.channel,
        payload=payload or {},
    )


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("standard", "service").get(pk=application.pk)


# ---------------------------------------------------------------- intake

@dataclass
class Submission:
    service_code: str
    applicant_id: str
    channel: str
    tier_code: str | None = None
    form_data: dict[str, Any] = field(default_factory=dict)
    documents: list[Upload] = field(default_factory=list)
    language: str = "ru"
    # When the applicant first reached us (admission control's stamp; a retry after 503 keeps it).
    arrived_at: dt.datetime | None = None

    def fingerprint(self) -> str:
        shape = {"service": self.service_code, "applicant": self.applicant_id, "channel": self.channel,
                 "tier": self.tier_code, "form": self.form_data,
                 "documents": sorted((d.code, hashlib.sha256(d.content).hexdigest()) for d in self.documents)}
        return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()


def _check_submitter(actor: User, submission: Submission, service: Service) -> None:
    """Who may file through which channel: applicants for themselves online, operators at their
    centre, officials at their own body, integrating systems (administrators) through the API."""
    channel = submission.channel
    if actor.role in APPLICANT_ROLES:
        own_id = actor.bin if actor.role == Role.BUSINESS else actor.iin
        if submission.applicant_id != own_id:
            raise Forbidden("you can apply only for yourself (or the business you represent)")
        if channel != Channel.PORTAL:
            raise Forbidden("applicants apply through the portal")
    elif actor.role in CENTRE_ROLES:
        if channel not in (Channel.CENTRE, Channel.POST, Channel.CALL_CENTRE):
            raise Forbidden("centre staff accept applications through the centre, post or call-centre channel")
    elif actor.role in BODY_ROLES:
        if channel != Channel.BODY or service.body_id != actor.body_id:
            raise Forbidden("a state body accepts applications directly only for its own services")
    elif actor.role != Role.ADMINISTRATOR:
        raise Forbidden("your role cannot submit applications")


def _validate(submission: Submission, *, today: dt.date, already_handed_in: frozenset[str] = frozenset()
              ) -> tuple[Service, Standard, Any, list[dict[str, Any]]]:
    """Everything intake checks, collected so the applicant sees all that is wrong at once."""
    errors: dict[str, str] = {}
    standard = standard_for_intake(code=submission.service_code, on=today)
    if standard is None:
        if not Service.objects.filter(code=submission.service_code).exists():
            raise ValidationFailed(_("There is no service with code '%(code)s'.") % {"code": submission.service_code},
                                   {"service_code": _("unknown service")})
        raise ValidationFailed(_("Service %(code)s has no standard in force on %(day)s.")
                               % {"code": submission.service_code, "day": today},
                               {"service_code": _("no standard in force")})
    service = standard.service

    try:
        if service.recipient_type == RecipientType.BUSINESS:
            validate_bin(submission.applicant_id)
        elif service.recipient_type == RecipientType.INDIVIDUAL:
            validate_iin(submission.applicant_id)
        else:
            try:
                validate_iin(submission.applicant_id)
            except IdentityNumberError:
                validate_bin(submission.applicant_id)
    except IdentityNumberError as error:
        errors["applicant_id"] = str(error)

    if submission.channel not in Channel.values:
        errors["channel"] = _("unknown channel '%(channel)s'; one of %(known)s") % {
            "channel": submission.channel, "known": ", ".join(Channel.values)}
    elif not standard.allows_channel(submission.channel):
        errors["channel"] = _("service %(code)s is not offered through '%(channel)s' (offered: %(offered)s; "
                              "access: %(access)s)") % {"code": service.code, "channel": submission.channel,
                                                        "offered": ", ".join(standard.channels),
                                                        "access": standard.access_model}

    tier = None
    if submission.tier_code:
        tiers = {t.code: t for t in standard.tiers.all()}
        tier = tiers.get(submission.tier_code)
        if tier is None:
            offered = ", ".join(tiers) or "none"
            errors["tier_code"] = _("unknown tier '%(tier)s' (offered: %(offered)s)") % {
                "tier": submission.tier_code, "offered": offered}

    handed_in = {d.code for d in submission.documents} | already_handed_in
    required = list(standard.documents.all())
    known = {d.code for d in required}
    register_records: list[dict[str, Any]] = []
    missing = []
    for document in required:
        if document.source == DocumentSource.REGISTER:
            record = None if "applicant_id" in errors else registers.fetch(
                register=document.register_name, document_code=document.code, applicant_id=submission.applicant_id)
            if record is None and "applicant_id" not in errors:
                missing.append(_("%(document)s (the %(register)s register holds no record)") % {
                    "document": document.code, "register": register_label(document.register_name)})
            elif record is not None:
                register_records.append({"code": document.code, "register": document.register_name, "data": record})
        elif document.code not in handed_in:
            missing.append(document.code)
    if missing:
        errors["documents"] = _("missing: %(documents)s") % {"documents": ", ".join(missing)}
    unknown = handed_in - known
    if unknown:
        errors["documents.unknown"] = _("not part of this standard: %(documents)s") % {
            "documents": ", ".join(sorted(unknown))}
    if errors:
        raise ValidationFailed(_("The application is not complete: %(problems)s") % {
            "problems": "; ".join(f"{k}: {v}" for k, v in errors.items())}, errors)
    return service, standard, tier, register_records


def application_submit(*, submission: Submission, actor: User, idempotency_key: str | None = None,
                       assisted: bool = False) -> tuple[Application, bool]:
    """Intake from any channel: check against the standard in force, accept, fix the due date,
    and assign an official at random, in one transaction.

    Records SUBMITTED, ACCEPTED and ASSIGNED (or leaves it ACCEPTED when the body has no official);
    sends the receipt notification after commit. Returns (application, created); the same
    Idempotency-Key returns the first application, never a second one.
    """
    fingerprint = submission.fingerprint()
    with remembered_people():  # the applicant is read once, for the register check and the receipt
        application = _intake(submission=submission, actor=actor, idempotency_key=idempotency_key,
                              fingerprint=fingerprint, assisted=assisted)
    if application is not None:
        return application, True
    # The key was taken (a retry, or a race with one): the unique constraint decided, not a pre-check.
    existing = Application.objects.get(submitted_by=actor, idempotency_key=idempotency_key)
    return _replay(existing, fingerprint), False


def _replay(existing: Application, fingerprint: str) -> Application:
    if existing.request_fingerprint and existing.request_fingerprint != fingerprint:
        raise ValidationFailed("this Idempotency-Key was already used for a different application",
                               {"Idempotency-Key": "reused with a different request"})
    return existing


def _intake(*, submission: Submission, actor: User, idempotency_key: str | None, fingerprint: str,
            assisted: bool) -> Application | None:
    """Check, build everything in memory, then write it in one round trip (None: the key was taken)."""
    today = local_today()
    service, standard, tier, register_records = _validate(submission, today=today)
    _check_submitter(actor, submission, service)
    uploads = [(upload.code, store_upload(upload)) for upload in submission.documents]
    application = Application(
        number=application_number(service.code, today),
        service=service, standard=standard, applicant_iin=submission.applicant_id,
        channel=submission.channel, status=Status.SUBMITTED, body=service.body,
        centre_id=actor.centre_id if actor.role in CENTRE_ROLES else None,
        submitted_by=actor if actor.pk else None, assisted=assisted, form_data=submission.form_data,
        language=submission.language, idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint, created_at=submission.arrived_at or clock.now(),
    )
    events = [_event(application, kind="submitted", from_status="", actor=actor,
                     payload={"assisted": assisted, "standard_version": standard.version})]
    events[0].at = application.created_at
    accepted, official = _accept(application, actor=actor, tier=tier)
    events += accepted
    notifications = _acceptance_notifications(application, official)
    audit = audit_entry(actor=actor, action="application.submit", object_type="application",
                        object_id=application.number, subject_iin=application.applicant_iin)
    rows = [*_documents(application, uploads, register_records), *events, audit, *notifications]
    if not insert_together(application, rows, conflict_fields=("submitted_by", "idempotency_key")):
        return None
    deliver_after_commit_for(application.number, notifications)
    if application.assignee_id:
        body_id, official_id = application.body_id, application.assignee_id
        transaction.on_commit(lambda: count_assignment(body_id, official_id))
    return application


def _acceptance_notifications(application: Application, official: Official | None) -> list[Notification]:
    """The applicant's receipt message and, when someone was drawn, the official's."""
    assert application.due_date is not None
    notifications = citizen_notifications(
        iin=application.applicant_iin, topic="application.accepted", object_ref=application.number,
        subject=messages.ACCEPTED_SUBJECT, body=messages.ACCEPTED_BODY,
        params={"number": application.number, "due": application.due_date.isoformat()})
    return notifications + ([_assignee_notification(application, official)] if official else [])


def _event(application: Application, *, kind: str, from_status: str, actor: User | None,
           payload: dict[str, Any]) -> ApplicationEvent:
    """An event row for the application's current status (not yet saved)."""
    return ApplicationEvent(
        application=application, kind=kind, from_status=from_status, to_status=application.status,
        actor=actor if actor is not None and actor.pk else None,
        actor_role=actor.role if actor is not None and actor.pk else "system",
        body_id=application.body_id, centre_id=application.centre_id, channel=application.channel,
        at=clock.now(), payload=payload)


def _move(application: Application, *, kind: str, to_status: str, actor: User | None,
          payload: dict[str, Any]) -> ApplicationEvent:
    """Change the status in memory (checked against the table) and return its unsaved event."""
    from_status = application.status
    ensure_transition(from_status, to_status)
    application.status = to_status
    return _event(application, kind=kind, from_status=from_status, actor=actor, payload=payload)


def _documents(application: Application, uploads: list[tuple[str, Any]],
               register_records: list[dict[str, Any]]) -> list[ApplicationDocument]:
    return (
        [ApplicationDocument(application=application, code=code, source=DocumentSource.APPLICANT, file=f.path,
                             file_name=f.file_name, content_type=f.content_type, size=f.size, sha256=f.sha256)
         for code, f in uploads]
        + [ApplicationDocument(application=application, code=r["code"], source=DocumentSource.REGISTER,
                               register_name=r["register"], register_data=r["data"]) for r in register_records])


def _save_documents(application: Application, uploads: list[tuple[str, Any]],
                    register_records: list[dict[str, Any]]) -> None:
    ApplicationDocument.objects.bulk_create(_documents(application, uploads, register_records))


def _accept(application: Application, *, actor: User, tier: Any) -> tuple[list[ApplicationEvent], Official | None]:
    """Accept in memory: fix the due date from the standard (or tier) in force and draw the reviewer.
    Returns the unsaved ACCEPTED and ASSIGNED events and who was drawn; the caller saves everything."""
    standard = application.standard
    deadline_days = tier.deadline_working_days if tier else standard.deadline_working_days
    application.tier = tier
    application.accepted_at = clock.now()
    application.accepted_by = actor if actor.pk and actor.role not in APPLICANT_ROLES else None
    application.due_date = add_working_days(local_today(), deadline_days)
    events = [_move(application, kind="accepted", to_status=Status.ACCEPTED, actor=actor,
                    payload={"due_date": application.due_date.isoformat(), "deadline_working_days": deadline_days,
                             "tier": tier.code if tier else None})]
    official = draw_official(application.body_id)
    if official is not None:  # otherwise it stays ACCEPTED; the sweep assigns once the body has an official
        application.assignee_id = official.pk
        events.append(_move(application, kind="assigned", to_status=Status.ASSIGNED, actor=None,
                            payload={"assignee_id": official.pk, "drawn": "random"}))
    return events, official


# ---------------------------------------------------------------- drafts (portal, assisted digital)

@transaction.atomic
def application_save_draft(*, actor: User, submission: Submission, draft: Application | None = None,
                           assisted: bool = False) -> Application:
    """Create or update a draft: nothing is checked but the service and the applicant's right to
    file; documents are stored as they come. Records DRAFT_CREATED once."""
    service = Service.objects.filter(code=submission.service_code).first()
    if service is None:
        raise ValidationFailed(f"there is no service with code '{submission.service_code}'",
                               {"service_code": "unknown service"})
    standard = Standard.objects.in_force(local_today()).filter(service=service).first()
    if standard is None:
        raise ValidationFailed(f"service {service.code} has no standard in force", {"service_code": "not in force"})
    if not assisted:
        _check_submitter(actor, submission, service)
    if draft is None:
        draft = Application.objects.create(
            number=application_number(service.code, local_today()), service=service,
            standard=standard, applicant_iin=submission.applicant_id, channel=submission.channel,
            status=Status.DRAFT, body_id=service.body_id, submitted_by=actor, assisted=assisted,
            centre_id=actor.centre_id if actor.role in CENTRE_ROLES else None,
            form_data=submission.form_data, language=submission.language)
        ApplicationEvent.objects.create(
            application=draft, kind="draft_created", from_status="", to_status=Status.DRAFT, actor=actor,
            actor_role=actor.role, body_id=draft.body_id, centre_id=draft.centre_id, channel=draft.channel,
            payload={"assisted": assisted})
    else:
        draft = _locked(draft)
        if draft.status != Status.DRAFT or draft.submitted_by_id != actor.pk:
            raise Forbidden("only your own drafts can be changed")
        draft.form_data = {**draft.form_data, **submission.form_data}
        draft.language = submission.language
        draft.save(update_fields=["form_data", "language"])
    replaced = {u.code for u in submission.documents}
    draft.documents.filter(code__in=replaced).delete()
    _save_documents(draft, [(u.code, store_upload(u)) for u in submission.documents], [])
    if submission.tier_code is not None:
        draft.tier = standard.tiers.filter(code=submission.tier_code).first() if submission.tier_code else None
        if submission.tier_code and draft.tier is None:
            raise ValidationFailed(f"unknown tier '{submission.tier_code}'", {"tier_code": "unknown tier"})
        draft.save(update_fields=["tier"])
    return draft


@transaction.atomic
def application_submit_draft(*, draft: Application, actor: User) -> Application:
    """Submit a draft: the same intake checks as any channel, against the standard in force today.
    Records SUBMITTED, ACCEPTED and ASSIGNED; a failed check leaves the draft as it was."""
    draft = _locked(draft)
    if draft.submitted_by_id != actor.pk:
        raise Forbidden("only your own drafts can be submitted")
    ensure_transition(draft.status, Status.SUBMITTED)
    submission = Submission(service_code=draft.service.code, applicant_id=draft.applicant_iin,
                            channel=draft.channel, tier_code=draft.tier.code if draft.tier else None,
                            form_data=draft.form_data,
                            language=draft.language)
    handed_in = frozenset(draft.documents.values_list("code", flat=True))
    service, standard, tier, register_records = _validate(submission, today=local_today(),
                                                          already_handed_in=handed_in)
    draft.standard = standard
    draft.created_at = clock.now()
    events = [_move(draft, kind="submitted", to_status=Status.SUBMITTED, actor=actor,
                    payload={"assisted": draft.assisted, "standard_version": standard.version})]
    accepted, official = _accept(draft, actor=actor, tier=tier)
    draft.save(update_fields=["standard", "created_at", "status", "tier", "accepted_at", "accepted_by",
                              "due_date", "assignee"])
    _save_documents(draft, [], register_records)
    ApplicationEvent.objects.bulk_create(events + accepted)
    audit_record(actor=actor, action="application.submit", object_type="application",
                 object_id=draft.number, subject_iin=draft.applicant_iin)
    notifications = Notification.objects.bulk_create(_acceptance_notifications(draft, official))
    deliver_after_commit_for(draft.number, notifications)
    return draft


@transaction.atomic
def application_delete_draft(*, draft: Application, actor: User) -> Application:
    """A draft the applicant no longer wants. Records WITHDRAWN (drafts are never silently erased)."""
    draft = _locked(draft)
    if draft.status != Status.DRAFT or draft.submitted_by_id != actor.pk:
        raise Forbidden("only your own drafts can be deleted")
    _record(draft, kind="draft_deleted", to_status=Status.WITHDRAWN, actor=actor)
    return draft


# ---------------------------------------------------------------- assignment

def _assignee_notification(application: Application, official: Official) -> Notification:
    return staff_notification(user_id=official.pk, email=official.email, language=official.language,
                              topic="application.assigned", object_ref=application.number,
                              subject=messages.ASSIGNED_SUBJECT, body=messages.ASSIGNED_BODY,
                              params={"number": application.number, "due": application.due_date})


@transaction.atomic
def application_assign_pending(*, application: Application) -> Application:
    """Assign an accepted application that found no official at intake. Safe to run twice."""
    application = _locked(application)
    if application.status != Status.ACCEPTED:
        return application
    official = draw_official(application.body_id)
    if official is not None:
        application.assignee_id = official.pk
        _record(application, kind="assigned", to_status=Status.ASSIGNED, actor=None,
                payload={"assignee_id": official.pk, "drawn": "random"}, fields=("assignee",))
        note = _assignee_notification(application, official)
        note.save(force_insert=True)
        deliver_after_commit_for(application.number, [note])
    return application


@transaction.atomic
def application_reassign(*, application: Application, supervisor: User, reason: str) -> Application:
    """A body supervisor moves a case to another official, drawn at random (nobody picks the
    reviewer). Needs a written reason; records REASSIGNED and an audit entry for the report."""
    if supervisor.role != Role.BODY_SUPERVISOR or supervisor.body_id != application.body_id:
        raise Forbidden("only a supervisor of the responsible body may reassign")
    if len(reason.strip()) < REASON_MIN_LENGTH:
        raise ValidationFailed("give a written reason for the reassignment",
                               {"reason": f"at least {REASON_MIN_LENGTH} characters"})
    application = _locked(application)
    if application.status not in OPEN_AT_BODY | {Status.SUSPENDED}:
        raise ValidationFailed(f"an application that is {application.status} cannot be reassigned")
    previous = application.assignee_id
    official = draw_official(application.body_id, exclude=previous)
    if official is None:
        raise ValidationFailed("the body has no other active official to draw")
    application.assignee_id = official.pk
    _note(application, kind="reassigned", actor=supervisor,
          payload={"reason": reason.strip(), "from_assignee_id": previous, "assignee_id": official.pk},
          fields=("assignee",))
    audit_record(actor=supervisor, action="application.reassign", object_type="application",
                 object_id=application.number, detail={"reason": reason.strip()})
    return application


# ---------------------------------------------------------------- review and decisions

def _ensure_assignee(application: Application, official: User) -> None:
    if official.role != Role.OFFICIAL or application.assignee_id != official.pk:
        raise Forbidden("only the official this application is assigned to may act on it")


def _start_review(application: Application, official: User) -> None:
    if application.status in (Status.ASSIGNED, Status.RESUBMITTED):
        _record(application, kind="review_started", to_status=Status.IN_REVIEW, actor=official)


@transaction.atomic
def application_start_review(*, application: Application, official: User) -> Application:
    """The assigned official opens the case. Records REVIEW_STARTED (once)."""
    application = _locked(application)
    _ensure_assignee(application, official)
    _start_review(application, official)
    return application


class Decision:
    APPROVE = "approve"
    REFUSE = "refuse"
    RETURN = "return"
    ALL = (APPROVE, REFUSE, RETURN)


@transaction.atomic
def application_decide(*, application: Application, official: User, decision: str, ground_code: str = "",
                       reason: str = "", document_code: str = "") -> Application:
    """Approve, refuse (citing a refusal ground of the standard) or return for correction (naming
    the document or field and why).

    Records APPROVED/REFUSED then RESULT_READY with a verification code, or RETURNED (which stops
    the clock). Notifies the applicant in their language after commit.
    """
    application = _locked(application)
    _ensure_assignee(application, official)
    if decision not in Decision.ALL:
        raise ValidationFailed(f"decision must be one of {', '.join(Decision.ALL)}", {"decision": "unknown"})
    errors: dict[str, str] = {}
    ground = None
    if decision in (Decision.REFUSE, Decision.RETURN):
        if decision == Decision.REFUSE:
            ground = application.standard.refusal_grounds.filter(code=ground_code).first()
            if ground is None:
                offered = ", ".join(application.standard.refusal_grounds.values_list("code", flat=True))
                errors["ground_code"] = _("cite a refusal ground of the standard (one of: %(offered)s)") % {
                    "offered": offered or "-"}
        if decision == Decision.RETURN and not application.standard.documents.filter(code=document_code).exists() \
                and not document_code.startswith("field:"):
            errors["document_code"] = _("name the document (its code) or the field (field:<name>) to correct")
        if len(reason.strip()) < REASON_MIN_LENGTH:
            errors["reason"] = _("write the reason (at least %(n)s characters)") % {"n": REASON_MIN_LENGTH}
    if errors:
        raise ValidationFailed(_("The decision is incomplete."), errors)
    _start_review(application, official)
    now = clock.now()
    if decision == Decision.RETURN:
        application.clock_stopped_since = local_today()
        _record(application, kind="returned", to_status=Status.RETURNED, actor=official,
                payload={"document_code": document_code, "reason": reason.strip()},
                fields=("clock_stopped_since",))
        _tell_applicant(application, "application.returned", messages.RETURNED_SUBJECT, messages.RETURNED_BODY,
                        reason=reason.strip())
        return application
    approved = decision == Decision.APPROVE
    application.decided_at = now
    payload = {"reason": reason.strip()}
    if ground is not None:
        payload |= {"ground_code": ground.code, "ground_kk": ground.text_kk, "ground_ru": ground.text_ru,
                    "ground_en": ground.text_en}
    _record(application, kind="approved" if approved else "refused",
            to_status=Status.APPROVED if approved else Status.REFUSED, actor=official, payload=payload,
            fields=("decided_at",))
    code = secrets.token_hex(5).upper()
    Result.objects.create(application=application, verification_code=code, approved=approved, created_at=now)
    _record(application, kind="result_ready", to_status=Status.RESULT_READY, actor=official,
            payload={"verification_code": code})
    subject, body = ((messages.APPROVED_SUBJECT, messages.APPROVED_BODY) if approved
                     else (messages.REFUSED_SUBJECT, messages.REFUSED_BODY))
    _tell_applicant(application, "application.approved" if approved else "application.refused", subject, body,
                    reason=InLanguage(ground, "text") if ground else "")
    return application


def _tell_applicant(application: Application, topic: str, subject: Any, body: Any, **params: Any) -> None:
    number = application.number

    def send() -> None:
        notify_citizen(iin=application.applicant_iin, topic=topic, object_ref=number, subject=subject,
                       body=body, params={"number": number, **params})

    transaction.on_commit(send)


@transaction.atomic
def application_resubmit(*, application: Application, actor: User, documents: list[Upload] | None = None,
                         form_data: dict[str, Any] | None = None) -> Application:
    """The applicant (or an operator for them) hands in the correction. Records RESUBMITTED; the
    deadline moves by the working days the application waited with the applicant."""
    application = _locked(application)
    _ensure_applicant_or_operator(application, actor)
    ensure_transition(application.status, Status.RESUBMITTED)
    for upload in documents or []:
        stored = store_upload(upload)
        ApplicationDocument.objects.create(
            application=application, code=upload.code, source=DocumentSource.APPLICANT, file=stored.path,
            file_name=stored.file_name, content_type=stored.content_type, size=stored.size, sha256=stored.sha256)
    if form_data:
        application.form_data = {**application.form_data, **form_data}
    paused = _restart_clock(application)
    _record(application, kind="resubmitted", to_status=Status.RESUBMITTED, actor=actor,
            payload={"documents": [u.code for u in documents or []], "clock_paused_working_days": paused},
            fields=("form_data", "due_date", "clock_stopped_since"))
    return application


def _restart_clock(application: Application) -> int:
    if application.clock_stopped_since is None or application.due_date is None:
        return 0
    paused = working_days_between(application.clock_stopped_since, local_today())
    application.due_date = add_working_days(application.due_date, paused)
    application.clock_stopped_since = None
    return paused


def _ensure_applicant_or_operator(application: Application, actor: User) -> None:
    own = actor.role in APPLICANT_ROLES and application.applicant_iin in (actor.iin, actor.bin)
    centre = actor.role in CENTRE_ROLES and actor.centre_id is not None
    if not (own or centre):
        raise Forbidden("only the applicant or a centre operator may do this")


@transaction.atomic
def application_suspend(*, application: Application, official: User, reason: str) -> Application:
    """Stop the clock where the standard allows it (for example waiting for another body)."""
    application = _locked(application)
    _ensure_assignee(application, official)
    if not application.standard.allows_suspension:
        raise ValidationFailed("the standard of this service does not allow suspension")
    if len(reason.strip()) < REASON_MIN_LENGTH:
        raise ValidationFailed("give the reason for the suspension", {"reason": "required"})
    _start_review(application, official)
    application.clock_stopped_since = local_today()
    _record(application, kind="suspended", to_status=Status.SUSPENDED, actor=official,
            payload={"reason": reason.strip()}, fields=("clock_stopped_since",))
    return application


@transaction.atomic
def application_resume(*, application: Application, official: User) -> Application:
    application = _locked(application)
    _ensure_assignee(application, official)
    ensure_transition(application.status, Status.IN_REVIEW)
    paused = _restart_clock(application)
    _record(application, kind="resumed", to_status=Status.IN_REVIEW, actor=official,
            payload={"clock_paused_working_days": paused}, fields=("due_date", "clock_stopped_since"))
    return application


@transaction.atomic
def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    """The applicant withdraws. Records WITHDRAWN."""
    application = _locked(application)
    if actor.role not in APPLICANT_ROLES or application.applicant_iin not in (actor.iin, actor.bin):
        raise Forbidden("only the applicant may withdraw an application")
    _record(application, kind="withdrawn", to_status=Status.WITHDRAWN, actor=actor, payload={"reason": reason})
    return application


@transaction.atomic
def application_refuse_intake(*, application: Application, operator: User, missing: list[str]) -> Application:
    """An operator refuses a submitted (not yet accepted) application, listing what is missing."""
    application = _locked(application)
    if operator.role not in CENTRE_ROLES:
        raise Forbidden("only centre staff check intake")
    if not missing:
        raise ValidationFailed("list what is missing", {"missing": "required"})
    _record(application, kind="refused_at_intake", to_status=Status.REFUSED_AT_INTAKE, actor=operator,
            payload={"missing": missing})
    return application


# ---------------------------------------------------------------- hand-back

def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


@transaction.atomic
def result_send_collection_code(*, application: Application, operator: User) -> None:
    """Send the applicant a one-time code to confirm collection of the result at the centre."""
    application = _locked(application)
    if operator.role not in CENTRE_ROLES:
        raise Forbidden("results are handed out by centre staff")
    if application.status != Status.RESULT_READY:
        raise ValidationFailed(f"the result is not ready (status: {application.status})")
    code = f"{_random.randrange(10**6):06d}"
    Result.objects.filter(application=application).update(confirmation_code_hash=_code_hash(code))
    notify_citizen(iin=application.applicant_iin, topic="result.collection_code", object_ref=application.number,
                   subject=messages.COLLECTION_CODE_SUBJECT, body=messages.COLLECTION_CODE_BODY,
                   params={"number": application.number, "code": code}, channels=["sms"])


@transaction.atomic
def application_issue(*, application: Application, actor: User, confirmation_code: str = "",
                      signed_on_screen: bool = False) -> Application:
    """Hand the result back. At a centre the applicant confirms with their one-time code or signs on
    the operator's screen; online the applicant's own download is the confirmation. Records ISSUED."""
    application = _locked(application)
    result = Result.objects.select_for_update().get(application=application)
    if actor.role in CENTRE_ROLES:
        code_matches = bool(result.confirmation_code_hash) and \
            _code_hash(confirmation_code) == result.confirmation_code_hash
        if not (code_matches or signed_on_screen):
            raise ValidationFailed(_("The confirmation code does not match."),
                                   {"confirmation_code": _("ask the applicant for the code sent to them")})
        channel = "centre, " + ("one-time code" if code_matches else "signature on screen")
    elif actor.role in APPLICANT_ROLES and application.applicant_iin in (actor.iin, actor.bin):
        channel = "online"
    else:
        raise Forbidden("only the applicant or centre staff may receive the result")
    ensure_transition(application.status, Status.ISSUED)
    result.issued_at = clock.now()
    result.confirmation_code_hash = ""
    result.save(update_fields=["issued_at", "confirmation_code_hash"])
    _record(application, kind="issued", to_status=Status.ISSUED, actor=actor, payload={"issued": channel})
    _tell_applicant(application, "application.issued", messages.ISSUED_SUBJECT, messages.ISSUED_BODY,
                    url=settings.TEREZE_PUBLIC_URL.rstrip("/") + f"/cabinet/applications/{application.number}/#rate")
    return application


# ---------------------------------------------------------------- deadlines

@transaction.atomic
def application_warn_deadline(*, application: Application, today: dt.date) -> bool:
    """Warn the official one working day before the due date. Records DEADLINE_WARNING once."""
    application = _locked(application)
    if (application.status not in CLOCK_RUNNING or application.warned_on or application.assignee is None
            or application.due_date is None or application.due_date <= today
            or application.due_date > add_working_days(today, 1)):
        return False
    application.warned_on = today
    _note(application, kind="deadline_warning", actor=None,
          payload={"due_date": application.due_date.isoformat()}, fields=("warned_on",))
    assignee = application.assignee
    transaction.on_commit(lambda: notify_staff(
        user=assignee, topic="application.due_tomorrow", object_ref=application.number,
        subject=messages.DUE_SOON_SUBJECT, body=messages.DUE_SOON_BODY,
        params={"number": application.number, "due": application.due_date}))
    return True


@transaction.atomic
def application_mark_overdue(*, application: Application, today: dt.date) -> bool:
    """Mark an undecided application past its due date, escalate to the body's supervisors and tell
    the applicant. Records OVERDUE once."""
    application = _locked(application)
    if (application.status not in CLOCK_RUNNING or application.overdue_since or application.due_date is None
            or application.due_date >= today):
        return False
    application.overdue_since = today
    _note(application, kind="overdue", actor=None,
          payload={"due_date": application.due_date.isoformat()}, fields=("overdue_since",))
    supervisors = list(User.objects.filter(role=Role.BODY_SUPERVISOR, body_id=application.body_id,
                                           is_active=True))
    number, due = application.number, application.due_date

    def escalate() -> None:
        for supervisor in supervisors:
            notify_staff(user=supervisor, topic="application.overdue", object_ref=number,
                         subject=messages.OVERDUE_STAFF_SUBJECT, body=messages.OVERDUE_STAFF_BODY,
                         params={"number": number, "due": due})
        notify_citizen(iin=application.applicant_iin, topic="application.overdue", object_ref=number,
                       subject=messages.OVERDUE_SUBJECT, body=messages.OVERDUE_BODY,
                       params={"number": number, "due": due})

    transaction.on_commit(escalate)
    return True


def deadline_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Warn, mark overdue, escalate and assign what is pending. Each item is its own transaction,
    so one failure never holds back the rest, and a rerun does nothing twice."""
    today = today or local_today()
    try:
        tomorrow = add_working_days(today, 1)
    except CalendarError:
        tomorrow = today
    counts = {"warned": 0, "overdue": 0, "assigned": 0}
    for application in Application.objects.filter(status__in=CLOCK_RUNNING, warned_on=None,
                                                  due_date__gt=today, due_date__lte=tomorrow):
        counts["warned"] += application_warn_deadline(application=application, today=today)
    for application in Application.objects.filter(status__in=CLOCK_RUNNING, overdue_since=None,
                                                  due_date__lt=today):
        counts["overdue"] += application_mark_overdue(application=application, today=today)
    for application in Application.objects.filter(status=Status.ACCEPTED, assignee=None):
        counts["assigned"] += application_assign_pending(application=application).status == Status.ASSIGNED
    return counts

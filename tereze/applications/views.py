"""Staff pages (back office, supervisor, front office), receipts, results and public verification."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tereze.applications import actions, documents, selectors
from tereze.applications.forms import DecisionForm, IntakeForm, IssueForm, ReassignForm
from tereze.applications.states import Status
from tereze.applications.uploads import open_stored
from tereze.core.errors import DomainError, NotFound
from tereze.core.http import not_found_page, request_user, signed_in
from tereze.core.models import Person
from tereze.core.roles import BODY_ROLES, CENTRE_ROLES, Role
from tereze.registry.models import Channel
from tereze.registry.selectors import service_search, standard_in_force


def staff_only(*roles: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if roles and getattr(request.user, "role", None) not in roles:
                return not_found_page(request, _("This page is not part of your role."), status=403)
            return view(request, *args, **kwargs)
        return wrapped
    return decorate


@staff_only()
def staff_home(request: HttpRequest) -> HttpResponse:
    role = request_user(request).role
    if role == Role.OFFICIAL:
        return redirect("official-queue")
    if role == Role.BODY_SUPERVISOR:
        return redirect("body-supervisor")
    if role in CENTRE_ROLES:
        return redirect("intake-start")
    return render(request, "staff/home.html")


def _rows(applications: Any) -> list[dict[str, Any]]:
    return [{"application": a, **selectors.deadline_figures(a)} for a in applications]


@staff_only(Role.OFFICIAL)
def official_queue(request: HttpRequest) -> HttpResponse:
    rows = _rows(selectors.official_queue(official=request_user(request))[:200])
    return render(request, "staff/official_queue.html", {"rows": rows})


@staff_only(Role.BODY_SUPERVISOR)
def body_supervisor(request: HttpRequest) -> HttpResponse:
    viewer = request_user(request)
    rows = _rows(selectors.body_open_work(supervisor=viewer)[:500])
    return render(request, "staff/body_supervisor.html",
                  {"rows": rows, "overdue": [r for r in rows if r["overdue"]],
                   "reassignments": selectors.reassignments(supervisor=viewer)})


@staff_only(*BODY_ROLES, *CENTRE_ROLES, Role.AUDITOR, Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def application_page(request: HttpRequest, number: str) -> HttpResponse:
    viewer = request_user(request)
    try:
        application = selectors.application_get(number=number, viewer=viewer)
    except NotFound as error:
        return not_found_page(request, error.message)
    is_assignee = viewer.role == Role.OFFICIAL and application.assignee_id == viewer.pk
    decision_form = DecisionForm(request.POST or None, standard=application.standard) if is_assignee else None
    reassign_form = ReassignForm(request.POST or None) if viewer.role == Role.BODY_SUPERVISOR else None
    if request.method == "POST":
        try:
            if decision_form is not None and decision_form.is_valid():
                actions.application_decide(application=application, official=viewer, **decision_form.cleaned_data)
                messages.success(request, _("Decision recorded."))
                return redirect("official-queue")
            if reassign_form is not None and reassign_form.is_valid():
                actions.application_reassign(application=application, supervisor=viewer,
                                             reason=reassign_form.cleaned_data["reason"])
                messages.success(request, _("Reassigned to another official drawn at random."))
                return redirect("body-supervisor")
        except DomainError as error:
            form = decision_form or reassign_form
            assert form is not None
            form.add_error(None, error.message)
            for field, problem in getattr(error, "errors", {}).items():
                if field in form.fields:
                    form.add_error(field, problem)
    elif is_assignee and application.status in (Status.ASSIGNED, Status.RESUBMITTED):
        application = actions.application_start_review(application=application, official=viewer)
    return render(request, "staff/application.html", {
        "application": application, "person": Person.objects.filter(iin=application.applicant_iin).first(),
        "timeline": selectors.timeline(application, viewer=viewer), "figures": selectors.deadline_figures(application),
        "decision_form": decision_form if application.status == Status.IN_REVIEW else None,
        "reassign_form": reassign_form, "documents": application.documents.all(),
    })


@staff_only(*BODY_ROLES, *CENTRE_ROLES, Role.AUDITOR, Role.ADMINISTRATOR)
@require_GET
def document_file(request: HttpRequest, number: str, document_id: int) -> HttpResponse:
    """An uploaded document, for staff who may see the application (each view is audited)."""
    try:
        application = selectors.application_get(number=number, viewer=request_user(request))
    except NotFound as error:
        return not_found_page(request, error.message)
    document = application.documents.filter(pk=document_id).exclude(file="").first()
    if document is None:
        return not_found_page(request, _("No such document in this application."))
    response = HttpResponse(open_stored(document.file), content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="{document.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_only(*CENTRE_ROLES)
@require_GET
def intake_start(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    services = service_search(q=q)[:30] if q else []
    ready = selectors.ready_for_issue(operator=request_user(request))[:50]
    return render(request, "staff/intake_start.html", {"q": q, "services": services, "ready": ready})


@staff_only(*CENTRE_ROLES)
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest, code: str) -> HttpResponse:
    """Fill the application with the citizen; the page checks completeness and accepts."""
    try:
        standard = standard_in_force(code=code)
    except NotFound as error:
        return not_found_page(request, error.message)
    form = IntakeForm(request.POST or None, request.FILES or None, standard=standard,
                      initial={"applicant_id": request.GET.get("applicant", "")[:12]})
    if request.method == "POST" and form.is_valid():
        uploads = [actions.Upload(code=name.removeprefix("doc_"), file_name=f.name or "", content=f.read())
                   for name in request.FILES if name.startswith("doc_") for f in request.FILES.getlist(name)]
        submission = actions.Submission(service_code=code, applicant_id=form.cleaned_data["applicant_id"],
                                        channel=Channel.CENTRE, tier_code=form.cleaned_data["tier_code"] or None,
                                        documents=uploads, language=request.LANGUAGE_CODE)
        try:
            application, _created = actions.application_submit(
                submission=submission, actor=request_user(request),
                idempotency_key=request.POST.get("intake_token") or None)
        except DomainError as error:
            form.add_error(None, error.message)
            for field, problem in getattr(error, "errors", {}).items():
                form.add_error(field if field in form.fields else None, problem)
        else:
            return redirect("application-receipt", application.number)
    return render(request, "staff/intake.html", {"standard": standard, "form": form,
                                                 "intake_token": request.POST.get("intake_token")
                                                 or secrets.token_urlsafe(16)})


@staff_only(*CENTRE_ROLES)
@require_http_methods(["GET", "POST"])
def issue_result(request: HttpRequest, number: str) -> HttpResponse:
    viewer = request_user(request)
    try:
        application = selectors.application_get(number=number, viewer=viewer)
    except NotFound as error:
        return not_found_page(request, error.message)
    form = IssueForm(request.POST or None)
    if request.method == "POST":
        try:
            if "send_code" in request.POST:
                actions.result_send_collection_code(application=application, operator=viewer)
                messages.info(request, _("A one-time code was sent to the applicant."))
                return redirect("issue-result", number)
            if form.is_valid():
                actions.application_issue(application=application, actor=viewer, **form.cleaned_data)
                messages.success(request, _("Result handed out and recorded."))
                return redirect("intake-start")
        except DomainError as error:
            form.add_error(None, error.message)
    return render(request, "staff/issue.html", {"application": application, "form": form})


@signed_in
@require_GET
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    try:
        application = selectors.application_get(number=number, viewer=request_user(request))
    except NotFound as error:
        return not_found_page(request, error.message)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(documents.receipt_pdf(application), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="receipt-{application.number}.pdf"'
        return response
    return render(request, "staff/receipt.html",
                  {"application": application, "lines": documents.receipt_lines(application)})


@signed_in
@require_GET
def result_download(request: HttpRequest, number: str) -> HttpResponse:
    viewer = request_user(request)
    try:
        application = selectors.application_get(number=number, viewer=viewer)
    except NotFound as error:
        return not_found_page(request, error.message)
    result = getattr(application, "result", None)
    if result is None:
        return not_found_page(request, _("This application has no result yet."))
    if selectors.is_applicant(application, viewer) and application.status == Status.RESULT_READY \
            and application.channel == Channel.PORTAL:
        actions.application_issue(application=application, actor=viewer)
    response = HttpResponse(documents.result_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="result-{application.number}.pdf"'
    return response


@require_GET
def verify_result(request: HttpRequest, code: str) -> HttpResponse:
    """Public: is this result genuine and current? Shows a masked name and nothing more."""
    result = selectors.result_by_code(code[:32])
    person = Person.objects.filter(iin=result.application.applicant_iin).first() if result else None
    return render(request, "portal/verify.html", {
        "code": code[:32], "result": result, "masked_name": person.masked_name if person else "",
    }, status=200 if result else 404)


def verify_form(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    if code:
        return redirect(reverse("verify-result", args=[code[:32]]))
    return render(request, "portal/verify.html", {"code": "", "result": None, "ask": True})

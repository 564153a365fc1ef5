"""Citizen-facing pages: catalogue, sign-in with a one-time code, apply step by step, cabinet,
ratings, data-access log, preferences, and the consultant's assisted-digital session.

Views are thin: they parse a form, call one action or selector, and render. Every page works
without JavaScript."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tereze.applications import actions as app_actions
from tereze.applications import documents as app_documents
from tereze.applications import selectors as app_selectors
from tereze.applications.models import Application
from tereze.applications.states import Status
from tereze.applications.uploads import Upload, check_upload
from tereze.core import clock
from tereze.core.actions import person_update_preferences
from tereze.core.audit import audit_personal_data_view
from tereze.core.errors import DomainError, NotFound, ValidationFailed
from tereze.core.http import not_found_page, request_user
from tereze.core.models import Person, User
from tereze.core.roles import APPLICANT_ROLES, Role
from tereze.portal import actions, selectors
from tereze.portal.forms import (
    ApplicantForm,
    AssistStartForm,
    CodeForm,
    DocumentsForm,
    PreferencesForm,
    RatingForm,
    ResubmitForm,
    SignInForm,
    TierForm,
)
from tereze.portal.models import OneTimeCode
from tereze.portal.timeline import event_label
from tereze.registry.models import Channel, DocumentSource, Standard
from tereze.registry.selectors import categories, service_search, standard_in_force

# An idle session ends after SESSION_COOKIE_AGE (settings); a signed-in citizen is also signed out
# this long after signing in, however active (a shared computer at a library or a centre).
SESSION_MAX = dt.timedelta(seconds=int(getattr(settings, "TEREZE_PORTAL_SESSION_MAX_SECONDS", 4 * 3600)))
ASSIST_MAX = dt.timedelta(hours=1)
STEPS = ("guide", "applicant", "documents", "tier", "confirm")

View = Callable[..., HttpResponseBase]


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _session_expired(request: HttpRequest, key: str, limit: dt.timedelta) -> bool:
    started = request.session.get(key)
    if not started:
        return True
    return clock.now() - dt.datetime.fromisoformat(started) > limit


def applicant_required(view: View) -> View:
    """Signed in as a citizen or business representative, within the session's lifetime."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and getattr(user, "role", None) in APPLICANT_ROLES:
            if not _session_expired(request, "portal_signed_in_at", SESSION_MAX):
                return view(request, *args, **kwargs)
            logout(request)
            messages.info(request, _("Your session has ended. Please sign in again."))
        elif user.is_authenticated:
            return not_found_page(request, _("The personal cabinet is for citizens and businesses. Staff use the staff "
                                        "pages."), status=403)
        return _to_signin(request)

    return wrapped


def _to_signin(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('portal-signin')}?{urlencode({'next': request.get_full_path()})}")


# ---------------------------------------------------------------- catalogue

@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    category = request.GET.get("category", "")[:40]
    page = Paginator(service_search(q=q, category=category), 25).get_page(request.GET.get("page"))
    return render(request, "portal/catalogue.html",
                  {"page": page, "q": q, "category": category, "categories": categories()})


@require_GET
def service_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        standard = standard_in_force(code=code)
    except NotFound as error:
        return not_found_page(request, error.message)
    channels = [Channel(c).label for c in standard.channels if c in Channel.values]
    centres = selectors.centres_for_booking() if Channel.CENTRE in standard.channels else []
    return render(request, "portal/service.html",
                  {"service": standard.service, "standard": standard, "channels": channels,
                   "online": standard.allows_channel(Channel.PORTAL), "centres": centres})


@require_GET
def book_visit(request: HttpRequest, code: str) -> HttpResponse:
    """From a service page to the chosen centre's booking page for that service."""
    centre = request.GET.get("centre", "")
    if not centre.isdigit():
        return not_found_page(request, _("Choose a centre."))
    return redirect(f"{reverse('queue-book', args=[int(centre)])}?{urlencode({'service': code})}")


# ---------------------------------------------------------------- sign-in

@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "GET" and request.user.is_authenticated \
            and getattr(request.user, "role", None) in APPLICANT_ROLES:
        return redirect("cabinet")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = actions.code_request(purpose=OneTimeCode.Purpose.SIGN_IN, iin=form.cleaned_data["iin"],
                                       bin=form.cleaned_data["bin"], ip=_client_ip(request))
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            request.session["signin_code_id"] = row.pk
            request.session["signin_next"] = next_url
            return redirect("portal-signin-code")
    return render(request, "portal/signin.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def signin_code(request: HttpRequest) -> HttpResponse:
    code_id = request.session.get("signin_code_id")
    if not code_id:
        return redirect("portal-signin")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            code = actions.code_verify(code_id=code_id, code=form.cleaned_data["code"],
                                       purpose=OneTimeCode.Purpose.SIGN_IN)
            user = actions.applicant_sign_in(code=code)
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            next_url = request.session.get("signin_next") or ""
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # new session key
            request.session.pop("signin_code_id", None)
            request.session.pop("signin_next", None)
            request.session["portal_signed_in_at"] = clock.now().isoformat()
            request.session["portal_person_iin"] = code.iin
            if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                                            require_https=request.is_secure()):
                return redirect(next_url)
            return redirect("cabinet")
    return render(request, "portal/signin_code.html", {"form": form})


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("catalogue")


# ---------------------------------------------------------------- cabinet

@applicant_required
@require_GET
def cabinet(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    applications = list(selectors.cabinet_applications(viewer=user)[:200])
    rows = [{"application": a, "where": selectors.where_now(a), **app_selectors.deadline_figures(a)}
            for a in applications]
    return render(request, "portal/cabinet.html", {
        "rows": rows, "drafts": selectors.drafts(actor=user)[:50],
        "results": [a for a in applications if getattr(a, "result", None) is not None],
        "tickets": selectors.citizen_tickets(viewer=user),
        "profile": selectors.applicant_profile(applicant_id=selectors.own_ids(user)[0]) if selectors.own_ids(user)
        else {},
    })


def _application_context(request: HttpRequest, application: Application, **extra: Any) -> dict[str, Any]:
    user = request_user(request)
    language = (get_language() or "ru")[:2]
    events = [dict(e, label=event_label(e["kind"]),
                   ground=e["payload"].get(f"ground_{language}") or e["payload"].get("ground_ru", ""))
              for e in app_selectors.timeline(application, viewer=user) if e["kind"] != "deadline_warning"]
    result = getattr(application, "result", None)
    rating = getattr(application, "rating", None)
    return {
        "application": application, "timeline": events, "figures": app_selectors.deadline_figures(application),
        "where": selectors.where_now(application), "result": result, "rating": rating,
        "receipt": app_documents.receipt_lines(application) if application.accepted_at else [],
        "rating_form": extra.pop("rating_form", None) or (
            RatingForm() if application.status == Status.ISSUED and rating is None else None),
        "resubmit_form": extra.pop("resubmit_form", None) or (
            ResubmitForm(standard=application.standard) if application.status == Status.RETURNED else None),
        "returned": next((e for e in reversed(events) if e["kind"] == "returned"), None),
        **extra,
    }


@applicant_required
@require_GET
def cabinet_application(request: HttpRequest, number: str) -> HttpResponse:
    try:
        application = selectors.cabinet_application_get(viewer=request_user(request), number=number)
    except NotFound as error:
        return not_found_page(request, error.message)
    return render(request, "portal/application.html", _application_context(request, application))


@applicant_required
@require_POST
def application_rate(request: HttpRequest, number: str) -> HttpResponse:
    user = request_user(request)
    try:
        application = selectors.cabinet_application_get(viewer=user, number=number)
    except NotFound as error:
        return not_found_page(request, error.message)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            actions.rating_create(application=application, actor=user, score=form.cleaned_data["score"],
                                  comment=form.cleaned_data["comment"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you. Your rating goes straight into the public figures."))
            return redirect("cabinet-application", number)
    return render(request, "portal/application.html", _application_context(request, application, rating_form=form),
                  status=422)


def _uploads(request: HttpRequest, form: Any) -> list[Upload]:
    """Read each file, checking type and size; rejected files get a message next to their field."""
    uploads = []
    limit = settings.UPLOAD_MAX_BYTES
    for name in request.FILES:
        if name not in form.fields or not name.startswith("doc_"):
            continue
        file = request.FILES.get(name)
        if not isinstance(file, UploadedFile):
            continue
        if file.size and file.size > limit:
            form.add_error(name, _("The file is %(size)s KB; the limit is %(limit)s KB. Scan it at a lower "
                                   "resolution or as PDF.") % {"size": file.size // 1024, "limit": limit // 1024})
            continue
        upload = Upload(code=name.removeprefix("doc_"), file_name=file.name or "document", content=file.read())
        try:
            check_upload(upload)
        except ValidationFailed as error:
            form.add_error(name, _upload_message(error))
            continue
        uploads.append(upload)
    return uploads


def _upload_message(error: ValidationFailed) -> str:
    text = error.message
    if "empty" in text:
        return _("The file is empty. Choose the file again.")
    if "only PDF" in text:
        return _("This file is not a PDF, JPEG or PNG. Save or scan the document in one of these formats.")
    return text


@applicant_required
@require_POST
def application_resubmit(request: HttpRequest, number: str) -> HttpResponse:
    user = request_user(request)
    try:
        application = selectors.cabinet_application_get(viewer=user, number=number)
    except NotFound as error:
        return not_found_page(request, error.message)
    form = ResubmitForm(request.POST, request.FILES, standard=application.standard)
    if form.is_valid():
        uploads = _uploads(request, form)
        note = form.cleaned_data["note"].strip()
        if not form.errors and not uploads and not note:
            form.add_error(None, _("Upload the corrected document or describe what you corrected."))
        if not form.errors:
            try:
                app_actions.application_resubmit(application=application, actor=user, documents=uploads,
                                                 form_data={"correction_note": note} if note else None)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your correction was sent. The deadline runs again from today."))
                return redirect("cabinet-application", number)
    return render(request, "portal/application.html",
                  _application_context(request, application, resubmit_form=form), status=422)


@applicant_required
@require_GET
def data_access(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/data_access.html",
                  {"entries": selectors.data_access_log(viewer=request_user(request))})


@applicant_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    iin = request.session.get("portal_person_iin") or user.iin or ""
    person = Person.objects.filter(iin=iin).first()
    if person is None:
        return not_found_page(request, _("The population register holds no record for you."))
    form = PreferencesForm(request.POST or None,
                           initial={"notify_by": person.notify_by or ["sms"], "language": person.language})
    if request.method == "POST" and form.is_valid():
        try:
            person_update_preferences(iin=iin, notify_by=form.cleaned_data["notify_by"],
                                           language=form.cleaned_data["language"], actor=user)
        except ValidationFailed as error:
            for field, problem in error.errors.items():
                form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, _("Saved. We will reach you this way from now on."))
            return redirect("preferences")
    return render(request, "portal/preferences.html", {"form": form, "person": person})


# ---------------------------------------------------------------- apply (citizen or assisted)

class Applying:
    """Who fills the form for whom: the applicant themselves, or a consultant for a citizen."""

    def __init__(self, actor: User, applicant_id: str, person_iin: str, assisted: bool) -> None:
        self.actor, self.applicant_id, self.person_iin, self.assisted = actor, applicant_id, person_iin, assisted


def _applying(request: HttpRequest) -> Applying | None:
    user = request.user
    if not user.is_authenticated:
        return None
    assert isinstance(user, User)
    if user.role in APPLICANT_ROLES:
        if _session_expired(request, "portal_signed_in_at", SESSION_MAX):
            return None
        ids = selectors.own_ids(user)
        if not ids:
            return None
        return Applying(user, ids[0], request.session.get("portal_person_iin") or user.iin or "", assisted=False)
    if user.role == Role.CONSULTANT and request.session.get("assist_iin") \
            and not _session_expired(request, "assist_started_at", ASSIST_MAX):
        iin = request.session["assist_iin"]
        return Applying(user, iin, iin, assisted=True)
    return None


def applying_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        who = _applying(request)
        if who is None:
            if request.user.is_authenticated and getattr(request.user, "role", None) == Role.CONSULTANT:
                return redirect("assist-start")
            if request.user.is_authenticated and getattr(request.user, "role", None) in APPLICANT_ROLES:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
            return _to_signin(request)
        request.applying = who  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def _who(request: HttpRequest) -> Applying:
    return request.applying  # type: ignore[attr-defined, no-any-return]


@applying_required
@require_http_methods(["GET", "POST"])
def apply_start(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1, the guide: what the service gives, what it needs, how long and how much. Starting
    creates a draft the applicant can come back to."""
    who = _who(request)
    try:
        standard = standard_in_force(code=code)
    except NotFound as error:
        return not_found_page(request, error.message)
    if not standard.allows_channel(Channel.PORTAL):
        return not_found_page(request, _("This service is not offered online. See the service page for where to "
                                     "apply."))
    if request.method == "POST":
        try:
            draft = app_actions.application_save_draft(
                actor=who.actor, assisted=who.assisted,
                submission=app_actions.Submission(service_code=code, applicant_id=who.applicant_id,
                                                  channel=Channel.PORTAL, language=request.LANGUAGE_CODE))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return redirect("draft-step", draft.number, "applicant")
    return render(request, "portal/apply_guide.html", {
        "standard": standard, "service": standard.service, "who": who, "steps": _steps("guide"),
        "existing": selectors.drafts(actor=who.actor, applicant_id=who.applicant_id).filter(
            service__code=code)[:5]})


def _steps(current: str, draft: Application | None = None) -> list[dict[str, Any]]:
    names = {"guide": _("About the service"), "applicant": _("Your details"), "documents": _("Documents"),
             "tier": _("Term and fee"), "confirm": _("Check and confirm")}
    return [{"key": key, "name": names[key], "current": key == current,
             "url": reverse("draft-step", args=[draft.number, key]) if draft else ""} for key in STEPS]


def _next_step(step: str) -> str:
    return STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]


def _missing_documents(draft: Application, standard: Standard) -> list[Any]:
    handed_in = set(draft.documents.values_list("code", flat=True))
    return [d for d in standard.documents.all() if d.source == DocumentSource.APPLICANT and d.code not in handed_in]


@applying_required
@require_http_methods(["GET", "POST"])
def draft_step(request: HttpRequest, number: str, step: str) -> HttpResponse:
    who = _who(request)
    if step not in STEPS:
        return not_found_page(request, _("No such step."))
    try:
        draft = selectors.draft_get(actor=who.actor, number=number, applicant_id=who.applicant_id)
    except NotFound as error:
        return not_found_page(request, error.message)
    try:
        standard = standard_in_force(code=draft.service.code)
    except NotFound as error:
        return not_found_page(request, error.message)
    profile = selectors.applicant_profile(applicant_id=draft.applicant_iin)
    seen_key = f"assist_viewed:{draft.number}"
    if who.assisted and not request.session.get(seen_key):
        # Once per draft and session: the citizen's log shows that the centre looked, not every click.
        audit_personal_data_view(viewer=who.actor, subject_iin=draft.applicant_iin, object_type="draft",
                                 object_id=draft.number)
        request.session[seen_key] = True
    context: dict[str, Any] = {"draft": draft, "standard": standard, "service": draft.service, "who": who,
                               "profile": profile, "step": step, "steps": _steps(step, draft)}
    save = app_actions.application_save_draft

    def submission(**fields: Any) -> app_actions.Submission:
        return app_actions.Submission(service_code=draft.service.code, applicant_id=draft.applicant_iin,
                                      channel=draft.channel, language=request.LANGUAGE_CODE, **fields)

    form: Any = None
    if step == "guide":
        return render(request, "portal/apply_guide.html", context)
    if step == "applicant":
        initial = {"phone": profile.get("phone", ""), "email": profile.get("email", ""),
                   "address": profile.get("address", "")} | {k: v for k, v in draft.form_data.items()
                                                             if k in ("phone", "email", "address")}
        form = ApplicantForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            save(actor=who.actor, draft=draft, assisted=who.assisted,
                 submission=submission(form_data=form.cleaned_data))
            return _after_save(request, draft, step)
    elif step == "documents":
        form = DocumentsForm(request.POST or None, request.FILES or None, standard=standard)
        if request.method == "POST" and form.is_valid():
            uploads = _uploads(request, form)
            if uploads:
                save(actor=who.actor, draft=draft, assisted=who.assisted, submission=submission(documents=uploads))
            if not form.errors:
                return _after_save(request, draft, step)
        context["uploaded"] = draft.documents.all()
        context["register_documents"] = [d for d in standard.documents.all() if d.source == DocumentSource.REGISTER]
    elif step == "tier":
        form = TierForm(request.POST or None, standard=standard,
                        initial={"tier_code": draft.tier.code if draft.tier else ""})
        if request.method == "POST" and form.is_valid():
            save(actor=who.actor, draft=draft, assisted=who.assisted,
                 submission=submission(tier_code=form.cleaned_data["tier_code"] or ""))
            return _after_save(request, draft, step)
    elif step == "confirm":
        return _confirm(request, who, draft, standard, context)
    context["form"] = form
    return render(request, f"portal/apply_{step}.html", context, status=422 if form is not None and form.errors
                  else 200)


def _after_save(request: HttpRequest, draft: Application, step: str) -> HttpResponse:
    if "save_exit" in request.POST:
        messages.success(request, _("Draft saved. You can continue it later from your cabinet."))
        return redirect("assist-home" if _who(request).assisted else "cabinet")
    return redirect("draft-step", draft.number, _next_step(step))


def _confirm(request: HttpRequest, who: Applying, draft: Application, standard: Standard,
             context: dict[str, Any]) -> HttpResponse:
    session_key = f"confirm_code:{draft.number}"
    form = CodeForm(request.POST if request.POST.get("action") == "confirm" else None)
    missing = _missing_documents(draft, standard)
    tier = draft.tier
    context.update({"form": form, "missing": missing, "code_sent": bool(request.session.get(session_key)),
                    "term": tier.deadline_working_days if tier else standard.deadline_working_days,
                    "fee": tier.fee if tier else standard.fee, "uploaded": draft.documents.all(),
                    "register_documents": [d for d in standard.documents.all()
                                           if d.source == DocumentSource.REGISTER]})
    if request.method == "POST" and not missing:
        if request.POST.get("action") == "send":
            if not who.person_iin:
                messages.error(request, _("Please sign in again so that we know whose phone to send the code to."))
                return redirect("draft-step", draft.number, "confirm")
            try:
                row = actions.code_request(purpose=OneTimeCode.Purpose.CONFIRM, iin=who.person_iin,
                                           object_ref=draft.number, ip=_client_ip(request))
            except DomainError as error:
                messages.error(request, error.message)
            else:
                request.session[session_key] = row.pk
                messages.info(request, _("We sent a code by SMS to the applicant's phone from the register."))
            return redirect("draft-step", draft.number, "confirm")
        if request.POST.get("action") == "confirm" and form.is_valid():
            try:
                actions.code_verify(code_id=request.session.get(session_key), code=form.cleaned_data["code"],
                                    purpose=OneTimeCode.Purpose.CONFIRM, object_ref=draft.number)
                application = app_actions.application_submit_draft(draft=draft, actor=who.actor)
            except ValidationFailed as error:
                form.add_error("code" if "code" in error.errors else None, error.message)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                request.session.pop(session_key, None)
                messages.success(request, _("Application %(number)s was accepted. Keep the receipt below.")
                                 % {"number": application.number})
                if who.assisted:
                    return redirect("application-receipt", application.number)
                return redirect("cabinet-application", application.number)
    return render(request, "portal/apply_confirm.html", context, status=422 if form.errors else 200)


@applying_required
@require_POST
def draft_delete(request: HttpRequest, number: str) -> HttpResponse:
    who = _who(request)
    try:
        draft = selectors.draft_get(actor=who.actor, number=number, applicant_id=who.applicant_id)
        app_actions.application_delete_draft(draft=draft, actor=who.actor)
    except NotFound as error:
        return not_found_page(request, error.message)
    messages.success(request, _("The draft was deleted."))
    return redirect("assist-home" if who.assisted else "cabinet")


# ---------------------------------------------------------------- assisted digital (centre consultant)

def consultant_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?next={request.get_full_path()}")
        if getattr(request.user, "role", None) != Role.CONSULTANT:
            return not_found_page(request, _("Assisted sessions are opened by centre consultants."), status=403)
        return view(request, *args, **kwargs)

    return wrapped


@consultant_required
@require_http_methods(["GET", "POST"])
def assist_start(request: HttpRequest) -> HttpResponse:
    """The consultant types the citizen's IIN; the citizen gets a code and tells it only if they agree."""
    form = AssistStartForm(request.POST if request.POST.get("action") == "send" else None)
    code_form = CodeForm(request.POST if request.POST.get("action") == "confirm" else None)
    if request.method == "POST":
        if request.POST.get("action") == "send" and form.is_valid():
            try:
                row = actions.code_request(purpose=OneTimeCode.Purpose.ASSIST, iin=form.cleaned_data["iin"],
                                           ip=_client_ip(request))
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                request.session["assist_code_id"] = row.pk
                request.session.pop("assist_iin", None)
                messages.info(request, _("A code was sent to the citizen's phone. Ask them for it."))
                return redirect("assist-start")
        elif request.POST.get("action") == "confirm" and code_form.is_valid():
            try:
                code = actions.code_verify(code_id=request.session.get("assist_code_id"),
                                           code=code_form.cleaned_data["code"], purpose=OneTimeCode.Purpose.ASSIST)
            except DomainError as error:
                code_form.add_error("code", error.message)
            else:
                if not Person.objects.filter(iin=code.iin).exists():
                    code_form.add_error("code", _("This IIN is not in the population register."))
                else:
                    request.session["assist_iin"] = code.iin
                    request.session["assist_started_at"] = clock.now().isoformat()
                    request.session.pop("assist_code_id", None)
                    actions.assist_open(consultant=request_user(request), iin=code.iin)
                    return redirect("assist-home")
    return render(request, "portal/assist_start.html", {
        "form": form, "code_form": code_form, "code_sent": bool(request.session.get("assist_code_id"))})


@consultant_required
@require_GET
def assist_home(request: HttpRequest) -> HttpResponse:
    who = _applying(request)
    if who is None:
        return redirect("assist-start")
    q = request.GET.get("q", "")[:200]
    person = Person.objects.filter(iin=who.applicant_id).first()
    seen_key = f"assist_viewed:{who.applicant_id}:{request.session.get('assist_started_at')}"
    if person is not None and not request.session.get(seen_key):
        # The page shows the citizen's name: audited once per session, like an assisted draft.
        audit_personal_data_view(viewer=who.actor, subject_iin=who.applicant_id, object_type="person",
                                 object_id=who.applicant_id)
        request.session[seen_key] = True
    return render(request, "portal/assist_home.html", {
        "who": who, "person": person, "q": q, "services": service_search(q=q)[:30] if q else [],
        "drafts": selectors.drafts(actor=who.actor, applicant_id=who.applicant_id)})


@consultant_required
@require_POST
def assist_end(request: HttpRequest) -> HttpResponse:
    for key in ("assist_iin", "assist_started_at", "assist_code_id"):
        request.session.pop(key, None)
    messages.info(request, _("The assisted session has ended."))
    return redirect("assist-start")

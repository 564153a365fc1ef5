"""The HTTP API under /api/v1/: one NinjaAPI, one place mapping domain errors to HTTP."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from tereze.core.errors import DomainError

api = NinjaAPI(title="Tereze API", version="1", urls_namespace="api",
               description="Register of public services, applications, calendar. Staff and integrations "
                           "authenticate with `Authorization: Bearer <token>` (`tereze issue_token USERNAME`).")


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": error.message, **error.detail}, status=error.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    problems = [
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query', 'path', 'payload'))}: "
        f"{e.get('msg', 'invalid')}"
        for e in error.errors
    ]
    return api.create_response(request, {"detail": "; ".join(problems) or "invalid input",
                                         "errors": error.errors}, status=422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "sign in or send Authorization: Bearer <token>"},
                               status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=error.status_code)


from tereze.applications.api import router as applications_router  # noqa: E402
from tereze.core.api import router as core_router  # noqa: E402
from tereze.registry.api import router as registry_router  # noqa: E402

api.add_router("/calendar", core_router)
api.add_router("/services", registry_router)
api.add_router("/applications", applications_router)
from tereze.centres.api import router as centres_router  # noqa: E402

api.add_router("", centres_router)

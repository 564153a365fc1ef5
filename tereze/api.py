"""The HTTP API under /api/v1/: one NinjaAPI, one place mapping domain errors to HTTP."""

from __future__ import annotations

import json
from typing import Any, cast

from django.core.exceptions import RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from tereze.core.errors import DomainError


class BodyRejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _reject_nul(value: Any) -> None:
    """PostgreSQL cannot store NUL in text or JSONB: refuse it at the door instead of failing in the query."""
    if isinstance(value, str):
        if "\x00" in value:
            raise BodyRejected(422, "text may not contain NUL (\\u0000) characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key)
            _reject_nul(item)
    elif isinstance(value, list):
        for item in value:
            _reject_nul(item)


class StrictJsonParser(Parser):
    """Bodies must be JSON sent as JSON (no text/plain or form posts parsed as JSON), of a sane depth,
    without NUL characters; query strings without NUL characters."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise BodyRejected(415, f"send the body as application/json, not '{request.content_type or 'nothing'}'")
        charset = (request.content_params or {}).get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise BodyRejected(415, "send the body in UTF-8")
        try:
            data = json.loads(request.body)
        except RecursionError:
            raise BodyRejected(400, "the JSON body is nested too deeply") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise BodyRejected(400, f"the body is not valid JSON ({error})") from None
        _reject_nul(data)
        return cast(dict[str, Any], data)

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        for key, values in data.lists():
            _reject_nul(key)
            _reject_nul([v for v in values if isinstance(v, str)])
        return super().parse_querydict(data, list_fields, request)


api = NinjaAPI(title="Tereze API", version="1", urls_namespace="api", parser=StrictJsonParser(),
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
    cause = error.__cause__
    if isinstance(cause, BodyRejected):  # ninja wraps every parser error as 400 "Cannot parse request body"
        return api.create_response(request, {"detail": cause.message}, status=cause.status)
    if isinstance(cause, RequestDataTooBig):
        return request_too_big(request, cause)
    return api.create_response(request, {"detail": str(error)}, status=error.status_code)


@api.exception_handler(RequestDataTooBig)
def request_too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": "the request body is too large; send documents up to "
                                                   "TEREZE_UPLOAD_MAX_BYTES each"}, status=413)


@api.exception_handler(BodyRejected)
def body_rejected(request: HttpRequest, error: BodyRejected) -> HttpResponse:
    return api.create_response(request, {"detail": error.message}, status=error.status)


def _retry_later(request: HttpRequest) -> HttpResponse:
    response = api.create_response(request, {"detail": "the database is unavailable for a moment; retry "
                                                       "with the same Idempotency-Key"}, status=503)
    response["Retry-After"] = "1"
    return response


@api.exception_handler(OperationalError)
def database_unavailable(request: HttpRequest, error: OperationalError) -> HttpResponse:
    """The database restarted or dropped the connection (Django reconnects on the next request), or a
    deadlock/serialisation failure: nothing was committed, so the client may safely retry."""
    return _retry_later(request)


@api.exception_handler(InterfaceError)
def connection_lost(request: HttpRequest, error: InterfaceError) -> HttpResponse:
    return _retry_later(request)


@api.exception_handler(DataError)
def data_error(request: HttpRequest, error: DataError) -> HttpResponse:
    """A value the database cannot take (a number out of range, NUL in a path): the request's fault."""
    return api.create_response(request, {"detail": "a value in the request is out of range or contains "
                                                   "characters that cannot be stored"}, status=422)


from tereze.applications.api import router as applications_router  # noqa: E402
from tereze.core.api import router as core_router  # noqa: E402
from tereze.registry.api import router as registry_router  # noqa: E402

api.add_router("/calendar", core_router)
api.add_router("/services", registry_router)
api.add_router("/applications", applications_router)
from tereze.centres.api import router as centres_router  # noqa: E402

api.add_router("", centres_router)

# Last, so it matches only what no endpoint above does: unknown paths get JSON, not Django's HTML page.
fallback = Router(auth=None)


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False)
def not_an_endpoint(request: HttpRequest, rest: str) -> HttpResponse:
    return api.create_response(request, {"detail": "there is no such API endpoint; see /api/v1/docs"}, status=404)


api.add_router("", fallback)

"""Second factor for staff who turned it on: until the session has passed the TOTP check, every
page except the check itself (and signing out, switching language) redirects to it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from tereze.core.roles import APPLICANT_ROLES

SESSION_KEY = "totp_passed_for"


class StaffTotpMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "role", None) not in APPLICANT_ROLES \
                and request.session.get(SESSION_KEY) != user.pk:
            from tereze.portal.actions import totp_required

            if not totp_required(user):  # type: ignore[arg-type]
                request.session[SESSION_KEY] = user.pk  # checked once per session, not per request
            elif request.path not in self._open_paths():
                return HttpResponseRedirect(f"{reverse('totp-verify')}?next={quote(request.get_full_path())}")
        return self.get_response(request)

    @staticmethod
    def _open_paths() -> set[str]:
        return {reverse("totp-verify"), reverse("logout"), reverse("set_language")}

"""Staff two-step sign-in (TOTP): set up an authenticator app, and pass the check after the password."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tereze.core.errors import DomainError
from tereze.core.http import not_found_page, request_user
from tereze.core.roles import APPLICANT_ROLES
from tereze.portal import actions, totp
from tereze.portal.forms import TotpForm
from tereze.portal.middleware import SESSION_KEY
from tereze.portal.models import TotpDevice


@login_required
@require_http_methods(["GET", "POST"])
def totp_verify(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    next_url = request.POST.get("next") or request.GET.get("next") or "/staff/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/staff/"
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.totp_check(user=user, code=form.cleaned_data["code"])
        except actions.LockedOut as error:
            logout(request)
            messages.error(request, error.message)
            return redirect("login")
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            request.session.cycle_key()
            request.session[SESSION_KEY] = user.pk
            return redirect(next_url)
    return render(request, "portal/totp_verify.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if user.role in APPLICANT_ROLES:
        return not_found_page(request, _("Citizens sign in with a code by SMS."), status=403)
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        return render(request, "portal/totp_setup.html", {"enabled": True})
    form = TotpForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            actions.totp_confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            request.session[SESSION_KEY] = user.pk
            messages.success(request, _("Two-step sign-in is on. From now on you will be asked for a code."))
            return redirect("staff-home")
    if device is None or request.method == "GET":
        device = actions.totp_begin(user=user)
    uri = totp.provisioning_uri(device.secret, account=user.username)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code for your authenticator app"))
    return render(request, "portal/totp_setup.html", {"form": form, "secret": device.secret, "uri": uri,
                                                      "qr_svg": qr_svg})

"""Small helpers every page and endpoint module shares."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from tereze.core.models import User


def request_user(request: HttpRequest) -> User:
    """The signed-in account (views call this after their sign-in check)."""
    assert isinstance(request.user, User)
    return request.user


def not_found_page(request: HttpRequest, message: str, status: int = 404) -> HttpResponse:
    """The one page for 'not there, or not yours to see' (and, with status=403, 'not your role')."""
    return render(request, "portal/not_found.html", {"message": message}, status=status)


def signed_in(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Pages for applicants and staff alike: a visitor who is not signed in goes to the citizen sign-in
    (which links to the staff one) and comes back."""
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal-signin')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)
    return wrapped

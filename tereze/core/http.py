"""Small helpers every page and endpoint module shares."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tereze.core.models import User


def request_user(request: HttpRequest) -> User:
    """The signed-in account (views call this after their sign-in check)."""
    assert isinstance(request.user, User)
    return request.user


def not_found_page(request: HttpRequest, message: str, status: int = 404) -> HttpResponse:
    """The one page for 'not there, or not yours to see' (and, with status=403, 'not your role')."""
    return render(request, "portal/not_found.html", {"message": message}, status=status)

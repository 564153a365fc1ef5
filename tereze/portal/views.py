from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tereze.core.errors import NotFound
from tereze.registry.models import Channel
from tereze.registry.selectors import categories, service_search, standard_in_force


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
        return render(request, "portal/not_found.html", {"message": error.message}, status=404)
    channels = [Channel(c).label for c in standard.channels if c in Channel.values]
    return render(request, "portal/service.html",
                  {"service": standard.service, "standard": standard, "channels": channels})

"""The public catalogue (no login): per distribution point, what families can borrow,
how many are there now, how many are out and coming back and how many families wait —
counts only, nothing about any household — and how to get access.

Cacheable by any proxy: the page reads no session and no user (it does not extend the
logged-in layout, which would), sets no cookie, and says ``Cache-Control: public``."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.template import loader
from django.urls import path
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from kern.models import Location
from uitlening.selectors import holds as selectors

#: Seconds a browser or proxy may show the page without asking again: the counts are
#: "about now", and five minutes keeps a busy page cheap.
MAX_AGE = 300
#: Seconds the server keeps a rendered page for one stamp (``catalogue_stamp``): the
#: counts are never stale; a new description or opening hour shows within a minute.
SERVER_CACHE = 60


def _page(points: list[selectors.CataloguePoint], **extra: object) -> HttpResponse:
    # Rendered without the request: the context processors (the logged-in navigation)
    # would read the session and make every answer vary on its cookie.
    context = {"points": points, "programs": selectors.catalogue_programs(), **extra}
    return HttpResponse(loader.render_to_string("uitlening/catalogue_list.html", context))


def _cached(location: Location | None) -> HttpResponse:
    key = "catalogus:{}:{}:{}".format(
        translation.get_language(), location.pk if location else "", selectors.catalogue_stamp()
    )
    html = cache.get(key)
    if html is None:
        points = selectors.public_catalogue(location=location)
        extra = {"single": location} if location is not None else {}
        html = _page(points, **extra).content
        cache.set(key, html, SERVER_CACHE)
    return HttpResponse(html)


@require_GET
@cache_control(public=True, max_age=MAX_AGE)
def catalogue_list(request):
    return _cached(None)


@require_GET
@cache_control(public=True, max_age=MAX_AGE)
def catalogue_detail(request, pk: int):
    location = Location.objects.filter(
        pk=pk, kind=Location.Kind.DISTRIBUTION_POINT, is_active=True
    ).first()
    if location is None:
        raise Http404
    return _cached(location)


app_name = "catalogus"

urlpatterns = [
    path("", catalogue_list, name="list"),
    path("<int:pk>/", catalogue_detail, name="detail"),
]

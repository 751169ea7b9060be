"""The personal calendar feed at ``agenda/<token>.ics``: no login (calendar apps cannot
log in), the secret in the address is the key. An unknown token answers 404 without
detail; the answer is never cached by shared caches."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from vrijwilligers.calendar import feed
from vrijwilligers.selectors.profiles import volunteer_for_calendar_token


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    volunteer = volunteer_for_calendar_token(token)
    if volunteer is None:
        raise Http404()
    response = HttpResponse(feed(volunteer=volunteer), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="deelpunt-diensten.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("agenda/<str:token>.ics", calendar_feed, name="calendar_feed"),
]

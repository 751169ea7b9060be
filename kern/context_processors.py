from typing import Any

from django.http import HttpRequest

from kern.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    # Until the second factor is given (kern.two_factor) every link would lead back to it.
    if user is None or getattr(request, "second_factor_pending", False):
        return {"nav_items": []}
    path = request.path
    items = items_for(user)
    active = max(
        (item for item in items if path.startswith(item.url) and item.url_name != "home"),
        key=lambda item: len(item.url),
        default=None,
    )
    return {"nav_items": items, "nav_active": active}

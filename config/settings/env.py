"""Reading settings from the environment, refusing values that cannot be read.

A typo must stop start-up with a message that names the variable and what it accepts: a
``SECURE_SSL_REDIRECT=ture`` read as "off" would silently serve a production site over
plain HTTP, and ``int("abc")`` alone does not say which variable was wrong. An unset or
empty variable takes the default.
"""

from __future__ import annotations

import math
import os

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = ("1", "true", "yes", "on", "ja")
FALSE_VALUES = ("0", "false", "no", "off", "nee")


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def env_str(name: str, default: str) -> str:
    """The value as written (a password may begin or end with a space)."""
    value = os.environ.get(name)
    return default if value is None or not value.strip() else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE_VALUES:
        return True
    if value.lower() in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of {', '.join(TRUE_VALUES)} (on) "
        f"or {', '.join(FALSE_VALUES)} (off), or leave it unset for the default "
        f"({'on' if default else 'off'})."
    )


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f" of at least {minimum:g}"
    if maximum is not None:
        return f" of at most {maximum:g}"
    return ""


def _check_bounds(
    name: str,
    value: str,
    number: float,
    kind: str,
    minimum: float | None,
    maximum: float | None,
    default: float,
) -> None:
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(
            f"{name}={value!r} is out of range: use {kind}{_bounds(minimum, maximum)}, "
            f"or leave it unset for the default ({default:g})."
        )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = _raw(name)
    if value is None:
        return default
    kind = "a whole number"
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a whole number: use {kind}{_bounds(minimum, maximum)} "
            f"(digits only), or leave it unset for the default ({default})."
        ) from None
    _check_bounds(name, value, number, kind, minimum, maximum, default)
    return number


def env_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    value = _raw(name)
    if value is None:
        return default
    kind = "a number"
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not math.isfinite(number):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a number: use {kind}{_bounds(minimum, maximum)} "
            f"with a decimal point (e.g. 2.5), or leave it unset for the default ({default:g})."
        )
    _check_bounds(name, value, number, kind, minimum, maximum, default)
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks around and between the commas are ignored."""
    value = _raw(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]

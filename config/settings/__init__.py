"""Development settings: the default DJANGO_SETTINGS_MODULE."""

from .base import *  # noqa: F403

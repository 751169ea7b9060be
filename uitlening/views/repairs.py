"""Screens of the counter's repairs (built on uitlening.services and uitlening.selectors)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

"""Screens of the counter's loans (built on uitlening.services and uitlening.selectors)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

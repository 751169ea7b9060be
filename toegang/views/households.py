"""Screens: households (being built)."""

urlpatterns: list = []

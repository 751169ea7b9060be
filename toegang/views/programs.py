"""Screens: programs (being built)."""

urlpatterns: list = []

"""Screens: privacy (being built)."""

urlpatterns: list = []

"""Screens of the vrijwilligers app, one module per part; each has its ``urlpatterns``."""

"""The counter's screens, one module per subject, each with its own ``urlpatterns``."""

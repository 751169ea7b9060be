from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UitleningConfig(AppConfig):
    name = "uitlening"
    verbose_name = _("Counter and loans")

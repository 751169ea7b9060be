from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ToegangConfig(AppConfig):
    name = "toegang"
    verbose_name = _("Access and eligibility")

    def ready(self) -> None:
        from toegang import scanning

        scanning.register()

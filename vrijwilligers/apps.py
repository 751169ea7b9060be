from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VrijwilligersConfig(AppConfig):
    name = "vrijwilligers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from vrijwilligers import invariants, scanning

        # A volunteer's card (V…) is known at every scan field and checks in at the counter.
        scanning.register()
        invariants.register()

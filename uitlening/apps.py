from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UitleningConfig(AppConfig):
    name = "uitlening"
    verbose_name = _("Counter and loans")

    def ready(self) -> None:
        from toegang import selectors as access
        from uitlening import invariants, scanning, selectors
        from uitlening.services import holds

        scanning.register()
        invariants.register()
        # An item that comes back or becomes available goes to its waitlist first.
        holds.register_hooks()

        # The quota a household has left depends on what it took at the counter.
        access.register_packs_taken(selectors.packs_taken)

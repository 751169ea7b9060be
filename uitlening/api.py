"""API operations of the uitlening app."""

from ninja import Router

router = Router(tags=["uitlening"])

"""API operations of the vrijwilligers app."""

from ninja import Router

router = Router(tags=["vrijwilligers"])

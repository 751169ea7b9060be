"""API operations of the voorraad app."""

from ninja import Router

router = Router(tags=["voorraad"])

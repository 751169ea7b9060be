"""API operations of the toegang app."""

from ninja import Router

router = Router(tags=["toegang"])

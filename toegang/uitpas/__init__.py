"""UiTPAS (publiq, API v4): the HTTP client and a local stand-in that answers like the API.

``client`` talks to the real API (or the stand-in); ``standin`` is a small HTTP server for
tests and the demo; ``standin_passes`` holds the stand-in's test passes. This package does
not import Django at import time, so ``python -m toegang.uitpas.standin`` runs on its own.
"""

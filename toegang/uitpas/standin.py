"""A local stand-in for publiq's UiTPAS API v4 and its token endpoint, for tests and the demo.

A real HTTP server (standard library only) that answers ``POST /token`` like an OAuth2
server (client credentials) and ``GET /passes?identifier=…`` as publiq's OpenAPI document
says, with publiq's test passes (``standin_passes``). Faults can be switched on while it
runs: ``slow``, ``down``, ``rate_limit``, ``expire_tokens``; ``reset`` switches them off.

It listens on a loopback address only. From the command line::

    python -m toegang.uitpas.standin --port 8100

In tests: ``standin = start_standin()`` (free port, daemon thread), then ``standin.stop()``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import ipaddress
import json
import re
import secrets
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from toegang.uitpas import standin_passes as fixtures

DEFAULT_PORT = 8100
DEFAULT_TOKEN_LIFETIME = 86_400  # publiq's client tokens last about a day
PASSES_READ = "PASSES_READ"

#: client id → (client secret, UiTPAS permissions). The second client can get a token but
#: lacks PASSES_READ, so ``GET /passes`` answers 403 for it.
DEFAULT_CLIENTS: dict[str, tuple[str, frozenset[str]]] = {
    "deelpunt-demo": ("demo-secret", frozenset({PASSES_READ})),
    "deelpunt-no-permission": ("demo-secret", frozenset()),
}

_LONG_NUMBER = re.compile(r"\d{9,}")


def mask_numbers(text: str) -> str:
    """Hide card and other long numbers in a log line: keep the last four digits."""
    return _LONG_NUMBER.sub(lambda m: "…" + m.group()[-4:], text)


@dataclass(frozen=True)
class RecordedRequest:
    """The last ``/passes`` request, so a contract test can validate what a client sent."""

    method: str
    path: str
    query: dict[str, list[str]]
    has_bearer: bool


class _State:
    """Everything a request handler reads or changes, behind one lock."""

    def __init__(self, clients: dict[str, tuple[str, frozenset[str]]], token_lifetime: int):
        self.lock = threading.Lock()
        self.clients = dict(clients)
        self.token_lifetime = token_lifetime
        self.tokens: dict[str, tuple[str, float]] = {}  # token → (client id, expires at)
        self.requests_seen: Counter[str] = Counter()
        self.last_request: RecordedRequest | None = None
        self.clear_faults()

    def clear_faults(self) -> None:
        self.delay = 0.0
        self.is_down = False
        self.rate_limited = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: _State, verbose: bool = False):
        self.state = state
        self.verbose = verbose
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        # A client that gave up (timeout) leaves a broken pipe behind: not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "UiTPAS-stand-in/1.0"

    # --- plumbing ---------------------------------------------------------------------

    def handle(self) -> None:
        if self.server.state.is_down:
            # Down: close the connection without a word, as a dead upstream would.
            self.close_connection = True
            return
        super().handle()

    def log_message(self, format: str, *args) -> None:
        if self.server.verbose:
            sys.stderr.write(mask_numbers(f"{self.address_string()} - {format % args}") + "\n")

    def _send_json(
        self,
        status: int,
        body: dict,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_problem(self, body: dict, headers: dict[str, str] | None = None) -> None:
        self._send_json(body["status"], body, "application/problem+json", headers)

    def _begin(self) -> tuple[str, dict[str, list[str]]]:
        """Count the request, wait if the stand-in is slow; return path and query."""
        parts = urlsplit(self.path)
        state = self.server.state
        with state.lock:
            state.requests_seen[parts.path] += 1
            delay = state.delay
        if delay:
            time.sleep(delay)
        return parts.path, parse_qs(parts.query, keep_blank_values=True)

    def _not_found(self, path: str) -> None:
        self._send_problem(
            fixtures.problem_body(
                404, fixtures.URL_NOT_FOUND, "URL not found", f"No endpoint at {path}."
            )
        )

    # --- routes -----------------------------------------------------------------------

    def do_GET(self) -> None:
        path, query = self._begin()
        if path == "/passes":
            self._get_passes(query)
        elif path == "/token":
            self._send_json(405, {"error": "method_not_allowed"}, headers={"Allow": "POST"})
        else:
            self._not_found(path)

    def do_POST(self) -> None:
        path, _query = self._begin()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path == "/token":
            self._post_token(raw)
        elif path == "/passes":
            self._send_problem(
                fixtures.problem_body(
                    400,
                    f"{fixtures.PROBLEM_BASE}/url/method-not-supported",
                    "Method not supported",
                )
            )
        else:
            self._not_found(path)

    def _post_token(self, raw: bytes) -> None:
        """OAuth2 client credentials grant (RFC 6749 §4.4), answered as Keycloak does."""
        form = parse_qs(raw.decode("utf-8", "replace"))
        client_id = (form.get("client_id") or [""])[0]
        client_secret = (form.get("client_secret") or [""])[0]
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            try:
                decoded = base64.b64decode(basic[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ":"
            client_id, _, client_secret = (unquote(p) for p in decoded.partition(":"))
        no_store = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if (form.get("grant_type") or [""])[0] != "client_credentials":
            self._send_json(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "Unsupported grant_type",
                },
                headers=no_store,
            )
            return
        state = self.server.state
        known = state.clients.get(client_id)
        if known is None or not secrets.compare_digest(known[0], client_secret):
            self._send_json(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Invalid client or Invalid client credentials",
                },
                headers=no_store,
            )
            return
        token = secrets.token_urlsafe(32)
        with state.lock:
            lifetime = state.token_lifetime
            state.tokens[token] = (client_id, time.monotonic() + lifetime)
        self._send_json(
            200,
            {
                "access_token": token,
                "expires_in": lifetime,
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "",
            },
            headers=no_store,
        )

    def _client_for_bearer(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        state = self.server.state
        with state.lock:
            found = state.tokens.get(header[7:].strip())
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]

    def _get_passes(self, query: dict[str, list[str]]) -> None:
        state = self.server.state
        with state.lock:
            state.last_request = RecordedRequest(
                "GET", "/passes", query, self.headers.get("Authorization", "").startswith("Bearer ")
            )
            limited = state.rate_limited > 0
            if limited:
                state.rate_limited -= 1
        if limited:
            self._send_problem(
                fixtures.problem_body(429, fixtures.RATE_LIMITED, "Rate limited", "Rate limited"),
                headers={"Retry-After": "60"},
            )
            return
        client_id = self._client_for_bearer()
        if client_id is None:
            self._send_problem(
                fixtures.problem_body(
                    401,
                    fixtures.UNAUTHORIZED,
                    "Unauthorized",
                    "The access token is missing, invalid or expired.",
                ),
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
            return
        if PASSES_READ not in state.clients[client_id][1]:
            self._send_problem(
                fixtures.problem_body(
                    403,
                    fixtures.FORBIDDEN,
                    "Forbidden",
                    f"Client must have {PASSES_READ} permission.",
                )
            )
            return
        identifier = (query.get("identifier") or [""])[0]
        if not identifier.strip():
            self._send_problem(
                fixtures.problem_body(
                    400,
                    fixtures.QUERY_PARAMETER_MISSING,
                    "Query parameter missing",
                    "Query parameter identifier is required.",
                )
            )
            return
        status, body = fixtures.lookup(identifier, dt.date.today())
        if status == 200:
            self._send_json(200, body)
        else:
            self._send_problem(body)


def _loopback(host: str) -> str:
    """Return the address to bind to; refuse anything that is not IPv4 loopback."""
    address = "127.0.0.1" if host == "localhost" else host
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(
            f"The UiTPAS stand-in listens on loopback only, not on {host!r}."
        ) from None
    if ip.version != 4 or not ip.is_loopback:
        raise ValueError(f"The UiTPAS stand-in listens on loopback only, not on {host!r}.")
    return address


class StandIn:
    """A running stand-in: its URLs, its fault switches and what it has seen."""

    def __init__(self, server: _Server, thread: threading.Thread | None = None):
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        # An IPv4 server answers its address as text (bytes only for AF_UNIX sockets).
        self.host = host.decode() if isinstance(host, bytes) else str(host)
        self.port = int(port)
        self.url = f"http://{self.host}:{self.port}"
        self.token_url = f"{self.url}/token"

    # --- faults -----------------------------------------------------------------------

    def slow(self, seconds: float) -> None:
        """Wait this long before answering any request."""
        with self._server.state.lock:
            self._server.state.delay = float(seconds)

    def down(self) -> None:
        """Close every connection without answering, until ``reset``."""
        with self._server.state.lock:
            self._server.state.is_down = True

    def rate_limit(self, n: int) -> None:
        """Answer the next ``n`` API requests with 429 ``rate-limited``."""
        with self._server.state.lock:
            self._server.state.rate_limited = int(n)

    def expire_tokens(self) -> None:
        """Make every token issued so far invalid: the API answers 401 to them."""
        with self._server.state.lock:
            self._server.state.tokens.clear()

    def reset(self) -> None:
        """Switch every fault off and set the request counters back to zero."""
        with self._server.state.lock:
            self._server.state.clear_faults()
            self._server.state.requests_seen.clear()
            self._server.state.last_request = None

    # --- what it saw ------------------------------------------------------------------

    @property
    def requests_seen(self) -> dict[str, int]:
        """Requests received per path since the start or the last ``reset``."""
        with self._server.state.lock:
            return dict(self._server.state.requests_seen)

    @property
    def last_request(self) -> RecordedRequest | None:
        with self._server.state.lock:
            return self._server.state.last_request

    # --- life cycle -------------------------------------------------------------------

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _make_server(
    host: str,
    port: int,
    *,
    token_lifetime: int,
    clients: dict[str, tuple[str, frozenset[str]]] | None,
    verbose: bool,
) -> _Server:
    state = _State(DEFAULT_CLIENTS if clients is None else clients, token_lifetime)
    return _Server((_loopback(host), port), state, verbose=verbose)


def start_standin(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
    clients: dict[str, tuple[str, frozenset[str]]] | None = None,
) -> StandIn:
    """Start the stand-in in a daemon thread (port 0: a free port) and return it."""
    server = _make_server(host, port, token_lifetime=token_lifetime, clients=clients, verbose=False)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.name = f"uitpas-standin-{server.server_address[1]}"
    thread.start()
    return StandIn(server, thread)


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
    verbose: bool = True,
) -> None:
    """Run the stand-in in the foreground until interrupted (for ``make run`` and demos)."""
    server = _make_server(host, port, token_lifetime=token_lifetime, clients=None, verbose=verbose)
    standin = StandIn(server)
    print(
        f"UiTPAS stand-in on {standin.url} (token endpoint {standin.token_url}); "
        f"clients: {', '.join(DEFAULT_CLIENTS)}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m toegang.uitpas.standin",
        description="Local stand-in for publiq's UiTPAS API v4 (test passes only).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (8100)")
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=DEFAULT_TOKEN_LIFETIME,
        help="seconds a token stays valid (86400)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    try:
        serve(args.host, args.port, token_lifetime=args.token_lifetime, verbose=not args.quiet)
    except (ValueError, OSError) as exc:
        parser.exit(2, f"{parser.prog}: {exc}\n")


if __name__ == "__main__":
    main()

"""`gatewayctl budget-check serve`: the budget check beside agentgateway, on loopback.

On ECS the check runs in agentgateway's task (`infra/modules/inference`), so the call agentgateway
makes before every LLM request is a hop over 127.0.0.1 to a warm process, with no Lambda cold
start and no TLS. The rendered config points at it when `GATEWAY_BUDGET_CHECK_URL` is
`http://127.0.0.1:<port>/hooks/budget-check` (an http URL renders as a plain `host:port` webhook
target with that path as `:path`, `controlplane.domain.agentgateway._budget_check_guard`).

The decision is `BudgetCheck`'s, as in the Lambda (`handlers.budget_check`) and the local server
(`controlplane.adapters.local`), built the Lambda's way (`build_budget_check`: settings from the
environment, the store, the issuer's JWKS). This module is only the HTTP around it: a bare ASGI
app under uvicorn (no framework on the hot path), which answers a warm decision on the event loop
(microseconds, `BudgetCheck.warm_reply`) and runs one that reads the store on a thread pool.

- `POST /hooks/budget-check` and `POST /hooks/budget-check/request` (agentgateway appends
  `/request` unless the config sets `:path`): the webhook reply, always HTTP 200 (a rejection's
  status travels inside it). The body (`{"body": {"messages": ...}}`) is read and ignored.
- `POST /hooks/noop`: a webhook that does nothing, the benchmark's baseline on the same server.
- `GET /healthz`: 200 while the process serves; `ready` says whether the check is built.
- When the check cannot be built (the JWKS or the store unreachable at start), every call gets
  the fail mode's answer (`GATEWAY_BUDGET_CHECK_FAIL_MODE`), as the Lambda does, and the build
  is tried again at most every `BUILD_RETRY_SECONDS`.
- Keep-alive connections stay open `KEEP_ALIVE_SECONDS` (longer than agentgateway's pool keeps
  an idle connection, 90 s in v1.4.1 `crates/agentgateway/src/lib.rs` `pool_idle_timeout`), so
  agentgateway never sends a call on a connection this server is closing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from controlplane.budget_check import BudgetCheck, build_budget_check
from controlplane.domain.budget_check import degraded, to_webhook_reply
from controlplane.gateway_protocol import BUDGET_CHECK_PATH
from controlplane.processes import on_stop_signals
from controlplane.settings import FailMode, Settings

log = logging.getLogger("controlplane.budget_check_server")

DEFAULT_PORT = 8181
DEFAULT_HOST = "127.0.0.1"
CHECK_PATHS = frozenset({BUDGET_CHECK_PATH, f"{BUDGET_CHECK_PATH}/request"})
NOOP_PATH = "/hooks/noop"
HEALTH_PATH = "/healthz"
BUILD_RETRY_SECONDS = 5.0
KEEP_ALIVE_SECONDS = 120
STORE_THREADS = 32
"""Decisions that read the store at once (each is a DynamoDB round trip or two)."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_JSON = [(b"content-type", b"application/json")]
_NOOP_REPLY = json.dumps({"action": {"reason": "noop"}}).encode()


def _encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


async def budget_check_reply(
    check: BudgetCheck,
    headers: Mapping[str, str],
    run_blocking: Callable[[Callable[[], dict[str, object]]], Awaitable[dict[str, object]]],
) -> dict[str, object]:
    """The webhook reply: from the cache on the caller's loop when it decides alone, else the
    full decision (which may read the store) through `run_blocking` (a thread)."""
    reply = check.warm_reply(headers)
    if reply is None:
        reply = await run_blocking(lambda: check.reply(headers))
    return reply


class BudgetCheckApp:
    """The ASGI app: the webhook, the no-op baseline and the health check (see the module)."""

    def __init__(
        self,
        build: Callable[[], BudgetCheck],
        fail_mode: FailMode,
        *,
        retry_seconds: float = BUILD_RETRY_SECONDS,
        threads: int = STORE_THREADS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._build = build
        self._fail_mode = fail_mode
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="budget-check")
        self._building: asyncio.Lock | None = None
        self._retry_at = float("-inf")
        self.check: BudgetCheck | None = None
        self.build_failures = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if path in CHECK_PATHS or path == NOOP_PATH:
            if method != "POST":
                await _answer(send, 405, b'{"message":"POST only"}', [(b"allow", b"POST")])
                return
            if not await _drained(receive):
                return  # the caller left
            if path == NOOP_PATH:
                await _answer(send, 200, _NOOP_REPLY)
                return
            headers = {
                name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
            }
            await _answer(send, 200, _encode(await self.reply(headers)))
        elif path == HEALTH_PATH:
            if method not in ("GET", "HEAD"):
                await _answer(send, 405, b'{"message":"GET only"}', [(b"allow", b"GET")])
                return
            check = self.check
            health = {
                "status": "ok",
                "ready": check is not None,
                "build_failures": self.build_failures,
                "stats": check.stats.snapshot() if check is not None else None,
            }
            await _answer(send, 200, _encode(health))
        else:
            await _answer(send, 404, b'{"message":"not found"}')

    async def reply(self, headers: Mapping[str, str]) -> dict[str, object]:
        """The webhook reply to a call with `headers` (the fail mode's while there is no check)."""
        check = self.check or await self._build_when_due()
        if check is None:
            return to_webhook_reply(degraded(self._fail_mode))
        return await budget_check_reply(check, headers, self._run_blocking)

    async def _run_blocking(self, function: Callable[[], dict[str, object]]) -> dict[str, object]:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function)

    async def _build_when_due(self) -> BudgetCheck | None:
        if self._building is None:
            self._building = asyncio.Lock()
        async with self._building:
            if self.check is not None or self._clock() < self._retry_at:
                return self.check
            try:
                self.check = await asyncio.get_running_loop().run_in_executor(
                    self._executor, self._build
                )
            except Exception:
                self.build_failures += 1
                self._retry_at = self._clock() + self._retry_seconds
                log.exception(
                    "budget check: cannot start (JWKS or store unavailable); answering fail %s, "
                    "next try in %.0f s",
                    self._fail_mode,
                    self._retry_seconds,
                )
                return None
            log.info("budget check ready")
            return self.check

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Build before the first call, so it does not pay for the JWKS and the store.
                await self._build_when_due()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._executor.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _drained(receive: Receive) -> bool:
    """Read the request body to its end (ignoring it); False when the client disconnected."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        if not message.get("more_body", False):
            return True


async def _answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    head = [*_JSON, (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


def create_budget_check_app(settings: Settings) -> BudgetCheckApp:
    """The app for `settings`: the check built as the Lambda builds it."""
    return BudgetCheckApp(lambda: build_budget_check(settings), settings.budget_check_fail_mode)


def serve_budget_check(
    port: int = DEFAULT_PORT,
    *,
    host: str = DEFAULT_HOST,
    settings: Settings | None = None,
    log_level: str = "info",
) -> None:
    """Serve the budget check on `host:port` until SIGTERM or SIGINT (uvicorn stops gracefully:
    it finishes the calls in flight).

    Settings come from the environment unless given (on ECS: the control plane's `GATEWAY_*`
    variables, the store read with the task role). Loopback by default: agentgateway runs in the
    same task, and nothing else needs to reach the check.
    """
    import uvicorn

    app = create_budget_check_app(settings or Settings.from_env())
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        access_log=False,
        log_level=log_level,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        server_header=False,
    )
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again with the
    # handlers it found installed: `_stopped` makes that a normal return (exit 0, not 143).
    with on_stop_signals(_stopped):
        uvicorn.Server(config).run()


def _stopped(signum: int, _frame: object) -> None:
    log.info("budget check stopped (%s)", signal.Signals(signum).name)

"""The local control plane: connexion serving `openapi.yaml`, plus the embedded Cognito stand-in.

connexion routes requests by the contract's paths and resolves each `operationId` to the same
operation the Lambdas run (a missing one fails at start-up) and serves Swagger UI at `/ui/`.
Its own security and validation middlewares are left out on purpose: the stand-in authorizer
(`identity/authorizer.py`) plays API Gateway's Cognito authorizer, and the shared dispatcher
validates with the generated models, exactly as on AWS.

Beside the contract: the token endpoint, JWKS, `/healthz`, Prometheus' `/metrics`
(`adapters/prometheus.py`) and agentgateway's budget-check webhook. Every request to any of them
gets exactly one JSON log line (`RequestLog`).
"""

from __future__ import annotations

import base64
import binascii
import inspect
import json
import logging
import re
import socket
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import anyio
from connexion import AsyncApp, request
from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.lifecycle import ConnexionResponse
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from controlplane.adapters.prometheus import metrics_endpoint
from controlplane.adapters.swagger_ui import ui_documents
from controlplane.api.contract import (
    CONTRACT_PATH,
    HTTP_METHODS,
    Contract,
    OperationInfo,
    load_contract,
)
from controlplane.api.dispatch import ApiRequest, ApiResponse, Dispatcher, problem_response
from controlplane.api.operations import bind
from controlplane.budget_check import BudgetCheck
from controlplane.domain.budget_check import to_webhook_reply
from controlplane.errors import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    DomainError,
    FieldProblem,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from controlplane.files import exclusive_lock, private_dir, write_private
from controlplane.gateway_protocol import BUDGET_CHECK_PATH
from controlplane.identity.authorizer import Authorizer
from controlplane.identity.local import LocalIdentityProvider
from controlplane.identity.throttle import FailedAttemptThrottle, Throttled
from controlplane.identity.tokens import TokenIssuer, TokenVerifier, load_or_create_signing_key
from controlplane.logs import log_request
from controlplane.services import Services, build_services
from controlplane.settings import ADMIN_SCOPE, Settings

log = logging.getLogger("controlplane.local")

ADMIN_CLIENT_FILE = "admin-client.json"
SIGNING_KEY_FILE = "signing-key.pem"
ADMIN_CLIENT_LOCK_FILE = ".admin-client.lock"
ADMIN_CLIENT_NAME = "gateway-admin"
COMPUTED_READS = frozenset({"getRoutingConfig", "getTeamUsageHistory", "listAuditRecords"})
"""GET operations that may take milliseconds (a render, several store reads): run in a thread."""


@dataclass(frozen=True)
class AdminClient:
    client_id: str
    client_secret: str
    token_endpoint: str
    scope: str
    created: bool


@dataclass
class LocalControlPlane:
    settings: Settings
    services: Services
    identity: LocalIdentityProvider
    issuer: TokenIssuer
    verifier: TokenVerifier
    admin: AdminClient
    contract: Contract
    token_throttle: FailedAttemptThrottle = field(default_factory=FailedAttemptThrottle)
    """Failed client authentications at the token endpoint, per client id (this process)."""


def open_control_plane(settings: Settings, services: Services | None = None) -> LocalControlPlane:
    """Open (on first start: create) the data dir, store, signing key and admin client.

    Safe when several start at once on one data dir: the key is created exclusively and the
    admin client under a lock, so there is one of each and every instance uses it.
    """
    private_dir(settings.data_dir)
    services = services or build_services(settings)
    identity = services.identity
    if not isinstance(identity, LocalIdentityProvider):
        raise ValueError(
            "the local server embeds its own identity provider (GATEWAY_IDENTITY=local)"
        )
    key = load_or_create_signing_key(settings.data_dir / SIGNING_KEY_FILE)
    issuer = TokenIssuer(key, settings.issuer, settings.token_ttl_seconds, services.clock)
    verifier = TokenVerifier(issuer.jwks(), settings.issuer, services.clock, identity.is_active)
    plane = LocalControlPlane(
        settings=settings,
        services=services,
        identity=identity,
        issuer=issuer,
        verifier=verifier,
        admin=ensure_admin_client(settings, identity),
        contract=load_contract(),
    )
    _reconcile_team_clients(services)
    return plane


def _reconcile_team_clients(services: Services) -> None:
    """Settle what an earlier instance's crash left (`gatewayctl doctor` does it on demand)."""
    report = services.team_clients.reconcile()
    if report.changed:
        log.warning(
            "recovered from an earlier crash: %d orphan OAuth client(s) deleted, %d deletion(s) "
            "of deregistered teams' clients finished",
            len(report.clients_deleted),
            len(report.deletions_finished),
        )


def ensure_admin_client(settings: Settings, identity: LocalIdentityProvider) -> AdminClient:
    """The admin client of `admin-client.json` if it still authenticates, else a new one.

    Under an exclusive lock of the data dir, so that concurrent starts register one client and
    all read it (without it, each would register its own and all but the last file be lost).
    """
    private_dir(settings.data_dir)
    with exclusive_lock(settings.data_dir / ADMIN_CLIENT_LOCK_FILE):
        admin = _load_or_create_admin_client(settings, identity)
        # Only this lock's holder makes admin clients, so any other is one whose file was never
        # written (a crash between registering it and saving it): nobody can use it.
        for client in identity.list_clients():
            if client.name == ADMIN_CLIENT_NAME and client.client_id != admin.client_id:
                log.warning("deleting admin client %s, which no file names", client.client_id)
                identity.delete_client(client.client_id)
        return admin


def _load_or_create_admin_client(
    settings: Settings, identity: LocalIdentityProvider
) -> AdminClient:
    path = settings.data_dir / ADMIN_CLIENT_FILE
    if path.exists():
        saved = json.loads(path.read_text())
        try:
            identity.authenticate(saved["client_id"], saved["client_secret"])
        except (DomainError, KeyError):
            log.warning("%s names a client the store does not know; creating a new one", path)
        else:
            return AdminClient(
                saved["client_id"],
                saved["client_secret"],
                settings.token_endpoint,
                ADMIN_SCOPE,
                created=False,
            )
    issued = identity.create_client(ADMIN_CLIENT_NAME, [ADMIN_SCOPE])
    document = {
        "client_id": issued.client_id,
        "client_secret": issued.client_secret,
        "token_endpoint": settings.token_endpoint,
        "scope": ADMIN_SCOPE,
    }
    write_private(path, (json.dumps(document, indent=2) + "\n").encode())
    return AdminClient(
        issued.client_id, issued.client_secret, settings.token_endpoint, ADMIN_SCOPE, created=True
    )


# The request log: one line per request --------------------------------------------------------

REQUEST_LOG = "controlplane.request_log"
"""Scope key of the request's `RequestLogEntry`, which the route that answers fills in."""


@dataclass
class RequestLogEntry:
    """What the request's log line says beyond method, path, status and duration."""

    request_id: str
    operation_id: str | None = None
    client_id: str | None = None
    fields: dict[str, object] = field(default_factory=dict)


def request_log_entry(req: Request) -> RequestLogEntry:
    """The entry of the request being answered (a fresh one outside `RequestLog`, in tests)."""
    entry = req.scope.get(REQUEST_LOG)
    if isinstance(entry, RequestLogEntry):
        return entry
    return RequestLogEntry(req.headers.get("x-request-id") or str(uuid.uuid4()))


class RequestLog:
    """ASGI middleware, outermost: every HTTP request gets exactly one log line
    (`controlplane.logs.log_request`), whichever route answered it or refused it (uvicorn's
    access log is off, `gatewayctl serve`). Its request id is the client's `X-Request-Id`, else a
    new UUID; problem documents carry the same."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        entry = RequestLogEntry(_header(scope, b"x-request-id") or str(uuid.uuid4()))
        scope[REQUEST_LOG] = entry
        status: int | None = None

        async def send_noting_status(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            log_request(
                str(scope.get("method", "")),
                str(scope.get("path", "")),
                status,
                time.perf_counter() - started,
                entry.request_id,
                operation_id=entry.operation_id,
                client_id=entry.client_id,
                **entry.fields,
            )


def _header(scope: Any, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


# The OAuth2 token endpoint (RFC 6749 §4.4, client credentials) ---------------------------------


def _oauth_error(
    error: str, description: str, status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})},
    )


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, client_secret = decoded.partition(":")
    return unquote(client_id), unquote(client_secret)


def token_endpoint(plane: LocalControlPlane) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def token(req: Request) -> Response:
        media_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/x-www-form-urlencoded":
            return _oauth_error(
                "invalid_request", "send application/x-www-form-urlencoded parameters", 400
            )
        raw = await req.body()
        try:
            form = parse_qs(raw.decode(), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return _oauth_error("invalid_request", "the body is not UTF-8", 400)
        if any(len(values) > 1 for values in form.values()):
            return _oauth_error("invalid_request", "a parameter is repeated", 400)
        params = {k: v[0] for k, v in form.items()}
        basic = _basic_credentials(req.headers.get("authorization"))
        if basic and "client_secret" in params:
            return _oauth_error("invalid_request", "use one client authentication method", 400)
        grant_type = params.get("grant_type")
        if not grant_type:
            return _oauth_error("invalid_request", "grant_type is required", 400)
        if grant_type != "client_credentials":
            return _oauth_error(
                "unsupported_grant_type", "only client_credentials is supported", 400
            )
        client_id, client_secret = basic or (
            params.get("client_id", ""),
            params.get("client_secret", ""),
        )
        challenge = {"WWW-Authenticate": 'Basic realm="token"'} if basic else {}
        throttle = plane.token_throttle
        try:
            attempt = throttle.begin(client_id)
        except Throttled as throttled:
            # RFC 6749's error shape; `slow_down` is the registered OAuth error for "too fast".
            return _oauth_error(
                "slow_down",
                "too many failed authentications for this client; retry later",
                429,
                {"Retry-After": throttled.retry_after_header},
            )
        try:
            allowed = await anyio.to_thread.run_sync(
                plane.identity.authenticate, client_id, client_secret
            )
        except Unauthorized:
            known = await anyio.to_thread.run_sync(plane.identity.is_active, client_id)
            throttle.failed(attempt, client_known=known)
            return _oauth_error("invalid_client", "client authentication failed", 401, challenge)
        else:
            throttle.succeeded(attempt)
            request_log_entry(req).client_id = client_id
        finally:
            throttle.release(attempt)
        requested = params.get("scope", "").split()
        if requested and not set(requested) <= set(allowed):
            return _oauth_error("invalid_scope", "the client may not request that scope", 400)
        scopes = requested or list(allowed)
        return JSONResponse(
            {
                "access_token": plane.issuer.mint(client_id, scopes),
                "token_type": "Bearer",
                "expires_in": plane.settings.token_ttl_seconds,
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    return token


# Operations -----------------------------------------------------------------------------------


def _starlette(response: ApiResponse) -> Response:
    return Response(content=response.body, status_code=response.status, headers=response.headers)


RAW_BODY = "controlplane.raw_body"
"""Scope key of the request body as received (None when it was larger than the limit)."""


def raw_body_capture(max_bytes: int, contract: Contract | None = None) -> type:
    """An ASGI middleware keeping the raw body in the scope, so the dispatcher sees the exact
    bytes (for non-UTF-8 and malformed JSON errors) after connexion has parsed them too."""

    class RawBodyCapture:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            path = str(scope.get("path", "/"))
            refused = _unreadable_headers(scope)
            if refused is not None and contract is not None and not contract.match_path(path):
                # Only the contract's operations: connexion decodes their Content-Type; the
                # token endpoint, Swagger UI and the webhooks answer in their own way.
                refused = None
            raw_path = scope.get("raw_path") or b""
            if refused is None and contract is not None and b"%" in raw_path:
                method = str(scope.get("method", ""))
                refused = _unroutable_parameters(contract, method, raw_path, name_all=False)
            if refused is not None:
                await _starlette(problem_response(refused, instance=path))(scope, receive, send)
                return
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    # The client left before its body ended (shorter than its Content-Length):
                    # nobody is there to answer, and half a request must not be executed. The
                    # request's line (status null) says so.
                    note = f"the client disconnected after {size} body bytes; not executed"
                    entry = scope.get(REQUEST_LOG)
                    if isinstance(entry, RequestLogEntry):
                        entry.fields["note"] = note
                    else:
                        log.warning("%s %s: %s", scope.get("method"), scope.get("path"), note)
                    return
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= max_bytes:
                    chunks.append(chunk)
                more = message.get("more_body", False)
            raw = b"".join(chunks)
            scope[RAW_BODY] = raw if size <= max_bytes else None
            replayed = False

            async def replay() -> Any:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": raw, "more_body": False}
                return await receive()

            await self.app(scope, replay, send)

    return RawBodyCapture


def _unreadable_headers(scope: Any) -> DomainError | None:
    """A 400 for a Content-Type that is not ASCII: connexion decodes it as UTF-8 and crashed
    (500) on any other byte, even on a GET. A media type is ASCII (RFC 9110 §8.3)."""
    for name, value in scope.get("headers") or ():
        if name.lower() == b"content-type" and not value.isascii():
            return BadRequest(
                detail="the Content-Type header is not ASCII",
                errors=[FieldProblem("Content-Type", "must be an ASCII media type")],
            )
    return None


class DispatchingResolver(Resolver):  # type: ignore[misc]
    """Resolves each operationId of the contract to an endpoint that runs the shared operation."""

    def __init__(self, plane: LocalControlPlane, dispatcher: Dispatcher) -> None:
        super().__init__()
        self.plane = plane
        self.dispatcher = dispatcher
        self.authorizer = Authorizer(plane.verifier)

    def resolve_function_from_operation_id(self, operation_id: str) -> Any:
        if operation_id not in self.dispatcher.operations:
            raise RuntimeError(f"operation {operation_id} has no implementation")
        info = self.plane.contract.operations[operation_id]
        max_body = self.plane.settings.max_body_bytes
        # Reads of stored items take tens of microseconds: handing them to a worker thread cost
        # more than running them. Writes (a config render, an S3 publish) and the reads that
        # compute (the rendered config, usage history) keep the event loop free.
        inline = info.method == "get" and operation_id not in COMPUTED_READS

        async def endpoint(**_path_params_parsed_by_connexion: Any) -> Response:
            req = request
            entry = request_log_entry(req)
            entry.operation_id = operation_id
            request_id = entry.request_id
            path = req.url.path
            captured = req.scope.get(RAW_BODY)
            try:
                _check_resource(self.plane.contract, path, info)
                principal = self.authorizer.authorize(req.headers.get("authorization"), info)
                entry.client_id = principal.client_id
                if captured is None or len(captured) > max_body:
                    raise PayloadTooLarge(detail=f"the body is larger than {max_body} bytes")
                body = captured
            except DomainError as error:
                return _starlette(problem_response(error, instance=path, request_id=request_id))
            api_request = ApiRequest(
                operation_id=operation_id,
                path=path,
                principal=principal,
                request_id=request_id,
                path_params={k: str(v) for k, v in req.path_params.items()},
                query=dict(req.query_params.items()),
                headers={k.lower(): v for k, v in req.headers.items()},
                body=body if body else None,
            )
            if inline:
                response = self.dispatcher.handle(api_request)
            else:
                response = await anyio.to_thread.run_sync(self.dispatcher.handle, api_request)
            return _starlette(response)

        endpoint.__name__ = operation_id
        # connexion passes path parameters always, and converts (and chokes on) whatever else
        # the signature names: name only the path parameters, the dispatcher does the rest.
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
                for name in re.findall(r"\{(\w+)\}", info.path)
            ]
        )
        return endpoint


def _check_resource(contract: Contract, path: str, info: OperationInfo) -> None:
    """405 when the path is another resource than the operation's: the router matched
    `PUT /routing/config` to `PUT /routing/{rule_id}`, where API Gateway picks the static one."""
    matched = contract.match_path(path)
    if matched is not None and matched[0] != info.path:
        error = MethodNotAllowed(detail=f"{path} does not support {info.method.upper()}")
        allowed = _allowed_methods(contract, path)
        if allowed:
            error.headers["Allow"] = allowed
        raise error


def _allowed_methods(contract: Contract, path: str) -> str | None:
    """The methods the contract has for a concrete path, as an `Allow` header value."""
    matched = contract.match_path(path)
    if matched is None:
        return None
    item = contract.document["paths"][matched[0]]
    return ", ".join(m.upper() for m in HTTP_METHODS if m in item)


def _unroutable_parameters(
    contract: Contract, method: str, raw_path: bytes | None, *, name_all: bool = True
) -> DomainError | None:
    """A 400 naming the path parameters that kept an operation's path from routing.

    The router matches decoded paths, so a parameter holding a newline or an encoded `/`
    (`PUT /pricing/openai/gpt%0A`) found no route and got a 404 (405 when the rest named another
    resource) that the operation does not document. API Gateway routes the encoded path to the
    operation and its validator refuses the parameter: the same 400 here. Checked before
    routing too: the router answered a trailing encoded `/` with a redirect to another resource.
    """
    if not raw_path:
        return None
    path = raw_path.decode("latin-1").split("?", 1)[0]
    matched = contract.match_path(path)
    if matched is None or method.lower() not in contract.document["paths"][matched[0]]:
        return None
    params = matched[1]
    decoded = {name: unquote(value) for name, value in params.items()}
    bad = [
        name
        for name, value in decoded.items()
        if "/" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ] or (list(decoded) if name_all else [])
    if not bad:
        return None
    problems = [FieldProblem(name, "is not a valid value for this path") for name in bad]
    return BadRequest(
        detail=f"{len(problems)} invalid parameter{'s' if len(problems) > 1 else ''}: "
        f"{problems[0].field} {problems[0].message}",
        errors=problems,
    )


def _json_document(document: dict[str, Any]) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    body = json.dumps(document).encode()

    async def serve(_req: Request) -> Response:
        return Response(body, media_type="application/json")

    return serve


def _error_handler(error_type: type[DomainError], detail: str, contract: Contract) -> Any:
    """connexion's 404/405 answers, in our problem shape."""

    async def handle(req: Any, exc: Exception) -> ConnexionResponse:
        misrouted = _unroutable_parameters(contract, req.method, req.scope.get("raw_path"))
        error = misrouted or error_type(detail=detail)
        allowed = _allowed_methods(contract, req.url.path)
        if error.status == 405 and allowed:
            error.headers["Allow"] = allowed
        answer = problem_response(error, instance=req.url.path)
        return ConnexionResponse(
            status_code=answer.status,
            mimetype=PROBLEM_CONTENT_TYPE,
            content_type=PROBLEM_CONTENT_TYPE,
            body=answer.body,
            headers=answer.headers,
        )

    return handle


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port and listening (port 0: a free one), as uvicorn would bind
    it; OSError when the address is taken. Connections made before the app runs wait in the
    backlog, so the server can be announced as soon as this returns."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    return sock


class _UndecoratedOperation(AsyncOperation):  # type: ignore[misc]  # connexion is untyped
    """An operation whose endpoint is called as it is. connexion wraps every endpoint in its
    parameter and response decorators, built anew on each call; ours take nothing from them (the
    dispatcher reads and validates the request, and the endpoint answers a Starlette response),
    and skipping them made an admin read about a fifth cheaper."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        response = await self._fn()
        return await response(scope, receive, send)


class _UndecoratedApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> AsyncOperation:
        return _UndecoratedOperation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )


def create_app(plane: LocalControlPlane, base_url: str | None = None) -> AsyncApp:
    """The ASGI app of the local control plane, reached at `base_url` (default: the issuer)."""
    dispatcher = Dispatcher(plane.contract, bind(plane.contract), plane.services)
    documents = ui_documents(plane.contract.document, base_url or plane.settings.issuer)
    app = AsyncApp(
        __name__,
        specification_dir=str(CONTRACT_PATH.parent),
        middlewares=[
            RequestLog,
            ServerErrorMiddleware,
            raw_body_capture(plane.settings.max_body_bytes, plane.contract),
            ExceptionMiddleware,
            SwaggerUIMiddleware,
            RoutingMiddleware,
            LifespanMiddleware,
            ContextMiddleware,
        ],
    )
    app._middleware_app.api_cls = _UndecoratedApi
    app.add_api(
        CONTRACT_PATH.name,
        resolver=DispatchingResolver(plane, dispatcher),
        # connexion would serve the contract with `servers` rewritten to its mount path: the UI
        # reads our documents instead (adapters/swagger_ui.py), listed in its definition picker.
        swagger_ui_options=SwaggerUIOptions(
            serve_spec=False,
            swagger_ui_template_arguments={
                "urls": [{"name": doc.name, "url": doc.url} for doc in documents]
            },
        ),
    )
    for doc in documents:
        app.add_url_rule(doc.url, doc.url, _json_document(doc.document), methods=["GET"])
    app.add_url_rule("/oauth2/token", "token", token_endpoint(plane), methods=["POST"])

    async def jwks(_req: Request) -> Response:
        return JSONResponse(plane.issuer.jwks(), headers={"Cache-Control": "max-age=300"})

    async def openid_configuration(_req: Request) -> Response:
        issuer = plane.settings.issuer
        return JSONResponse(
            {
                "issuer": issuer,
                "token_endpoint": plane.settings.token_endpoint,
                "jwks_uri": f"{issuer}/.well-known/jwks.json",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def health(_req: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app.add_url_rule("/.well-known/jwks.json", "jwks", jwks, methods=["GET"])
    app.add_url_rule(
        "/.well-known/openid-configuration", "openid", openid_configuration, methods=["GET"]
    )
    app.add_url_rule("/healthz", "health", health, methods=["GET"])
    # Prometheus' scrape target; like /healthz, not an operation of the contract (adapters/
    # prometheus.py says why it needs no token).
    app.add_url_rule("/metrics", "metrics", metrics_endpoint(), methods=["GET"])

    # agentgateway's promptGuard webhook; it appends `/request` unless the config sets `:path`.
    # Each call's log line says its outcome and reason, so the check does not log refusals too.
    budget_check = BudgetCheck(plane.services, plane.verifier, log_refusals=False)

    async def check_budget(req: Request) -> Response:
        # A warm decision is a few microseconds of CPU; one that reads the store runs in a thread.
        decision = budget_check.warm_decision(req.headers)
        if decision is None:
            decision = await anyio.to_thread.run_sync(budget_check.decide, req.headers)
        request_log_entry(req).fields.update(outcome=decision.outcome, reason=decision.reason)
        return JSONResponse(to_webhook_reply(decision))

    async def noop_hook(_req: Request) -> Response:
        # The benchmark's baseline: a webhook that does nothing.
        return JSONResponse({"action": {"reason": "noop"}})

    for path in (BUDGET_CHECK_PATH, f"{BUDGET_CHECK_PATH}/request"):
        app.add_url_rule(path, f"budget_check{path}", check_budget, methods=["POST"])
    app.add_url_rule("/hooks/noop", "noop_hook", noop_hook, methods=["POST"])
    app.add_error_handler(404, _error_handler(NotFound, "No such resource.", plane.contract))
    app.add_error_handler(
        405, _error_handler(MethodNotAllowed, "This method is not allowed here.", plane.contract)
    )
    return app

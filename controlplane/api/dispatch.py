"""The one path from a neutral HTTP request to an operation and back.

Both edges (API Gateway proxy events on Lambda, connexion locally) build an `ApiRequest` after the
gateway has authenticated the caller, and send the `ApiResponse` back. Here, and only here:
parameters and bodies are validated with the generated models (400 with the failing fields),
`Idempotency-Key` replays are handled, domain errors become problem+json, anything unexpected
becomes a 500 that leaks nothing, and each request is counted and timed per operation and status
(`controlplane/metrics.py`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from controlplane.api.context import PendingAnswer, RequestContext, format_etag
from controlplane.api.contract import Contract, OperationInfo
from controlplane.api.operations import Operation, Reply, call
from controlplane.errors import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    DomainError,
    FieldProblem,
    PayloadTooLarge,
    UnsupportedMediaType,
    internal_error,
    to_problem,
)
from controlplane.identity.principal import Principal
from controlplane.metrics import record_request
from controlplane.serialization import to_json_bytes
from controlplane.services import Services
from controlplane.store.repositories import IdempotencyRecord

log = logging.getLogger("controlplane.api")


@dataclass(frozen=True)
class ApiRequest:
    operation_id: str
    path: str
    principal: Principal
    request_id: str
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    """Header names in lower case."""
    body: bytes | None = None


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: bytes | None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Dispatcher:
    def __init__(
        self, contract: Contract, operations: Mapping[str, Operation], services: Services
    ) -> None:
        self.contract = contract
        self.operations = operations
        self.services = services

    def handle(self, request: ApiRequest) -> ApiResponse:
        started = time.perf_counter()
        try:
            response = self._handle(request)
        except DomainError as error:
            response = problem_response(error, instance=request.path, request_id=request.request_id)
        except Exception:
            log.exception(
                "unexpected error in %s",
                request.operation_id,
                extra={"request_id": request.request_id},
            )
            response = problem_response(
                internal_error(), instance=request.path, request_id=request.request_id
            )
        # The request's log line is the edge's (adapters/local.py, adapters/apigw.py), which also
        # sees the requests refused before they reach an operation.
        record_request(request.operation_id, response.status, time.perf_counter() - started)
        return response

    def _handle(self, request: ApiRequest) -> ApiResponse:
        info = self.contract.operations[request.operation_id]
        op = self.operations[request.operation_id]
        _check_headers(info, request.headers)
        params = _parse_params(op, request)
        body, canonical_body = self._parse_body(op, info, request)
        ctx = RequestContext(
            principal=request.principal,
            services=self.services,
            request_id=request.request_id,
            path=request.path,
            if_match=request.headers.get("if-match"),
            if_none_match=request.headers.get("if-none-match"),
        )
        key = request.headers.get("idempotency-key")
        if key is None or info.header("Idempotency-Key") is None:
            return _response(call(op, ctx, params, body))
        return self._idempotent(op, ctx, params, body, key, canonical_body)

    def _parse_body(
        self, op: Operation, info: OperationInfo, request: ApiRequest
    ) -> tuple[BaseModel | None, bytes]:
        if op.body_model is None:
            return None, b""
        raw = request.body or b""
        if len(raw) > self.services.settings.max_body_bytes:
            raise PayloadTooLarge(
                detail=f"the body is larger than {self.services.settings.max_body_bytes} bytes"
            )
        content_type = request.headers.get("content-type", "application/json")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaType(detail=f"send application/json, not {media_type}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(detail=f"the body is not UTF-8 (byte {exc.start})") from exc
        if not text.strip():
            raise BadRequest(
                detail="a JSON body is required", errors=[FieldProblem("body", "is required")]
            )
        depth = json_depth(text)
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(
                detail=f"the body nests {depth} levels deep; at most {MAX_JSON_DEPTH} are allowed",
                errors=[FieldProblem("body", f"nests deeper than {MAX_JSON_DEPTH} levels")],
            )
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadRequest(
                detail=f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column "
                f"{exc.colno})",
                errors=[FieldProblem("body", "is not valid JSON")],
            ) from exc
        except (ValueError, RecursionError) as exc:
            # Python refuses integer literals over sys.get_int_max_str_digits() (4,300) digits.
            raise BadRequest(
                detail="the body has a number of more than 4300 digits",
                errors=[FieldProblem("body", "has a number too long to read")],
            ) from exc
        if not isinstance(decoded, dict):
            raise BadRequest(
                detail="the body must be a JSON object",
                errors=[FieldProblem("body", "must be a JSON object")],
            )
        # No request schema is nullable (the contract lint checks it), while the generated
        # models accept None for optional fields: refuse explicit nulls here.
        nulls = [FieldProblem(path, "must not be null") for path in _null_paths(decoded, "")]
        if nulls:
            raise BadRequest(detail=_summary(nulls), errors=nulls)
        try:
            # Strict: JSON types as the contract says (no "5" for 5, no 1 for true).
            model = op.body_model.model_validate_json(text, strict=True)
        except ValidationError as exc:
            raise validation_error(exc, location=None) from exc
        if len(model.model_fields_set) < info.body_min_properties:
            raise BadRequest(
                detail=f"name at least {info.body_min_properties} field(s)",
                errors=[
                    FieldProblem("body", f"must have at least {info.body_min_properties} property")
                ],
            )
        canonical = json.dumps(decoded, sort_keys=True, separators=(",", ":")).encode()
        return model, canonical

    def _idempotent(
        self,
        op: Operation,
        ctx: RequestContext,
        params: BaseModel | None,
        body: BaseModel | None,
        key: str,
        canonical_body: bytes,
    ) -> ApiResponse:
        fingerprint = hashlib.sha256(
            op.operation_id.encode() + b"\0" + ctx.path.encode() + b"\0" + canonical_body
        ).hexdigest()
        records = self.services.idempotency
        client_id = ctx.principal.client_id
        replay = records.begin(client_id, key, fingerprint)
        if replay is not None:
            return ApiResponse(
                status=replay.status,
                headers={**replay.headers, "Idempotency-Replayed": "true"},
                body=replay.body.encode() if replay.body is not None else None,
            )

        def answer(response: ApiResponse) -> IdempotencyRecord:
            return IdempotencyRecord(
                fingerprint=fingerprint,
                status=response.status,
                headers=response.headers,
                body=response.body.decode() if response.body is not None else None,
            )

        pending = PendingAnswer(
            lambda reply: records.completion(client_id, key, answer(_response(reply)))
        )
        try:
            response = _response(call(op, replace(ctx, idempotency=pending), params, body))
        except BaseException:
            records.abandon(client_id, key)
            raise
        if not pending.recorded:
            records.complete(client_id, key, answer(response))
        return response


MAX_JSON_DEPTH = 32
"""No request schema nests more than a few levels; deeper JSON is refused before it is parsed
(Python's parser, the null check and pydantic all recurse: ~500 levels ended in a 500)."""

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings do not count;
    malformed text gets a number all the same and is refused by the parser afterwards)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    for char in _JSON_STRING.sub("", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _null_paths(value: Any, path: str) -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _null_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _null_paths(v, f"{path}[{i}]")]
    return []


def _check_headers(info: OperationInfo, headers: Mapping[str, str]) -> None:
    problems = []
    for rule in info.headers:
        value = headers.get(rule.name.lower())
        if value is not None and (message := rule.problem(value)):
            problems.append(FieldProblem(rule.name, message))
    if problems:
        raise BadRequest(detail=_summary(problems), errors=problems)


def _parse_params(op: Operation, request: ApiRequest) -> BaseModel | None:
    if op.params_model is None:
        return None
    values: dict[str, Any] = {}
    fields = op.params_model.model_fields
    for source in (request.query, request.path_params):
        for name, value in source.items():
            if name in fields:
                values[name] = value
    try:
        return op.params_model.model_validate(values)
    except ValidationError as exc:
        raise validation_error(exc, location="parameter") from exc


def validation_error(exc: ValidationError, *, location: str | None) -> BadRequest:
    """A pydantic error as a 400 naming each failing field the way the client wrote it."""
    problems = []
    for error in exc.errors(include_url=False):
        path = _field_path(error["loc"]) or "body"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "is not a known field"
        elif error["type"] == "missing":
            message = "is required"
        problems.append(FieldProblem(path, message))
    return BadRequest(detail=_summary(problems, location), errors=problems)


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _summary(problems: list[FieldProblem], location: str | None = None) -> str:
    noun = location or "field"
    count = len(problems)
    first = problems[0]
    more = f" (and {count - 1} more)" if count > 1 else ""
    return f"{count} invalid {noun}{'s' if count > 1 else ''}: {first.field} {first.message}{more}"


def _response(reply: Reply) -> ApiResponse:
    headers = dict(reply.headers)
    if isinstance(reply.etag, int):
        headers["ETag"] = format_etag(reply.etag)
    elif reply.etag is not None:
        headers["ETag"] = reply.etag
    if reply.location is not None:
        headers["Location"] = reply.location
    if reply.content is not None:
        headers["Content-Type"] = reply.content_type
        return ApiResponse(status=reply.status, headers=headers, body=reply.content)
    if reply.body is None:
        return ApiResponse(status=reply.status, headers=headers, body=None)
    headers["Content-Type"] = "application/json"
    return ApiResponse(status=reply.status, headers=headers, body=to_json_bytes(reply.body))


def problem_response(
    error: DomainError, *, instance: str, request_id: str | None = None
) -> ApiResponse:
    """The one mapping of a domain error to an HTTP answer."""
    headers = {"Content-Type": PROBLEM_CONTENT_TYPE, **error.headers}
    body = to_problem(error, instance=instance, request_id=request_id)
    return ApiResponse(status=error.status, headers=headers, body=to_json_bytes(body))

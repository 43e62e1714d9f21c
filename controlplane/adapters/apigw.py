"""API Gateway REST proxy events ⇄ operations: the whole of every Lambda's `lambda_handler`.

API Gateway has already done the gateway's work when the event arrives: the Cognito authorizer
verified the token and its scopes, and the request validator checked parameters and body. The
principal comes from `requestContext.authorizer.claims`. Bodies are still validated here (through
the generated models), so the Lambda is correct on its own. No connexion, no openapi-core here.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
import uuid
from collections.abc import Mapping
from functools import cache
from typing import Any

from controlplane.api.contract import load_contract
from controlplane.api.dispatch import ApiRequest, ApiResponse, Dispatcher, problem_response
from controlplane.api.operations import bind
from controlplane.errors import BadRequest, DomainError, NotFound, Unauthorized
from controlplane.identity.principal import principal_from_claims
from controlplane.logs import log_request
from controlplane.services import build_services
from controlplane.settings import Settings

log = logging.getLogger(__name__)


@cache
def default_dispatcher() -> Dispatcher:
    """Built once per cold start: settings from the environment, boto3 clients, the bindings."""
    contract = load_contract()
    return Dispatcher(contract, bind(contract), build_services(Settings.from_env()))


def handle_event(
    event: Mapping[str, Any], context: Any, dispatcher: Dispatcher | None = None
) -> dict[str, Any]:
    """The proxy result of one event, and its one log line (`controlplane.logs.log_request`)."""
    started = time.perf_counter()
    dispatcher = dispatcher or default_dispatcher()
    request_context = event.get("requestContext") or {}
    request_id = str(
        request_context.get("requestId") or getattr(context, "aws_request_id", None) or uuid.uuid4()
    )
    path = str(event.get("path") or "/")
    request: ApiRequest | None = None
    try:
        request = _request(event, dispatcher, request_id, path)
    except DomainError as error:
        response = problem_response(error, instance=path, request_id=request_id)
    else:
        response = dispatcher.handle(request)
    log_request(
        str(event.get("httpMethod", "")),
        path,
        response.status,
        time.perf_counter() - started,
        request_id,
        operation_id=request.operation_id if request else None,
        client_id=request.principal.client_id if request else None,
    )
    return _proxy_result(response)


def _request(
    event: Mapping[str, Any], dispatcher: Dispatcher, request_id: str, path: str
) -> ApiRequest:
    method = str(event.get("httpMethod", ""))
    info = dispatcher.contract.by_route(method, str(event.get("resource", "")))
    if info is None:
        raise NotFound(detail=f"no operation for {method} {event.get('resource')}")
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    if not claims:
        raise Unauthorized(detail="the request carries no authorizer claims")
    body = event.get("body")
    raw: bytes | None = None
    if body is not None and event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest(detail="the body is not valid base64") from exc
    elif body is not None:
        raw = str(body).encode()
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    return ApiRequest(
        operation_id=info.operation_id,
        path=path,
        principal=principal_from_claims(claims),
        request_id=request_id,
        path_params=dict(event.get("pathParameters") or {}),
        query=dict(event.get("queryStringParameters") or {}),
        headers=headers,
        body=raw,
    )


def _proxy_result(response: ApiResponse) -> dict[str, Any]:
    return {
        "statusCode": response.status,
        "headers": response.headers,
        "body": response.body.decode() if response.body is not None else "",
        "isBase64Encoded": False,
    }

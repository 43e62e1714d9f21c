"""Realistic AWS events committed as JSON, loaded by one helper."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


@cache
def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((HERE / f"{name}.json").read_text())
    return loaded


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of `tests/events/<name>.json`."""
    return copy.deepcopy(_load(name))


def apigw_event(
    method: str,
    resource: str,
    path: str,
    *,
    path_params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: str | bytes | None = None,
    scope: str = "https://gateway.internal/admin",
    client_id: str = "5b1n1c2f0kq7v3lq9l7c0s1f8e",
) -> dict[str, Any]:
    """An API Gateway REST proxy event as the Cognito authorizer passes it to the Lambda."""
    event = load_event("apigw_admin_request")
    event["resource"] = resource
    event["path"] = path
    event["httpMethod"] = method
    event["requestContext"]["resourcePath"] = resource
    event["requestContext"]["httpMethod"] = method
    event["requestContext"]["path"] = f"/v1{path}"
    event["pathParameters"] = path_params
    event["queryStringParameters"] = query
    event["headers"].update(headers or {})
    if body is not None:
        event["headers"].setdefault("Content-Type", "application/json")
        event["body"] = body.decode() if isinstance(body, bytes) else body
    claims = event["requestContext"]["authorizer"]["claims"]
    claims["scope"] = scope
    claims["client_id"] = claims["sub"] = client_id
    return event


def cloudwatch_logs_event(replace_client_id: str | None = None) -> dict[str, Any]:
    """A CloudWatch Logs subscription event (base64 of gzip of JSON) of agentgateway lines.

    `cloudwatch_logs_subscription.decoded.json` is its readable payload; with
    `replace_client_id`, the payload's `CLIENT_ID` placeholder becomes that client and the event
    is re-encoded the way CloudWatch encodes it.
    """
    if replace_client_id is None:
        return load_event("cloudwatch_logs_subscription")
    payload = (HERE / "cloudwatch_logs_subscription.decoded.json").read_text()
    encoded = gzip.compress(payload.replace("CLIENT_ID", replace_client_id).encode())
    return {"awslogs": {"data": base64.b64encode(encoded).decode()}}

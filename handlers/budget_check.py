"""budget_check: agentgateway's promptGuard webhook as a Lambda (Function URL or ALB target).

Both event shapes carry `headers` (lowercased by AWS) and a possibly base64 body; the webhook
reads only the headers, and always answers 200 with the reply in the body (a rejection's status
travels inside the reply's action). Services and the token verifier are built once per cold
start (`controlplane.budget_check.build_budget_check`); the Cognito JWKS is fetched then with
urllib. No connexion or openapi-core on this path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from functools import cache
from typing import Any

from controlplane.adapters.lambda_entry import lambda_entry
from controlplane.budget_check import BudgetCheck, build_budget_check, decision_without_check
from controlplane.domain.budget_check import to_webhook_reply
from controlplane.settings import Settings

log = logging.getLogger(__name__)


@cache
def default_check() -> BudgetCheck:
    """Built once per cold start: settings from the environment, the store, the issuer's keys
    (the same build as the ECS sidecar's, `controlplane.budget_check_server`)."""
    return build_budget_check(Settings.from_env())


def handle_event(
    event: Mapping[str, Any], context: Any, check: BudgetCheck | None = None
) -> dict[str, Any]:
    """The Function URL (payload 2.0) or ALB answer to one webhook call."""
    method = _method(event)
    if method not in ("POST", ""):
        return _answer(event, 405, {"message": "the budget check accepts POST only"}, "POST")
    if check is None:
        try:
            check = default_check()
        except Exception:
            # No verifier without the issuer's keys (nor a store): like a store outage with
            # nothing known, the fail mode answers. The next call tries the cold start again.
            log.exception("budget check: cannot start (JWKS or store unavailable)")
            fail_mode = Settings.from_env().budget_check_fail_mode
            return _answer(event, 200, to_webhook_reply(decision_without_check(fail_mode)))
    return _answer(event, 200, check.reply(_headers(event)))


def _method(event: Mapping[str, Any]) -> str:
    http = (event.get("requestContext") or {}).get("http") or {}
    return str(http.get("method") or event.get("httpMethod") or "").upper()


def _headers(event: Mapping[str, Any]) -> dict[str, str]:
    """Headers of either event shape; with ALB multi-value headers, the last value wins."""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if values:
            headers[str(name).lower()] = str(values[-1])
    return headers


def _answer(
    event: Mapping[str, Any], status: int, body: Mapping[str, Any], allow: str | None = None
) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if allow:
        headers["allow"] = allow
    answer: dict[str, Any] = {
        "statusCode": status,
        "headers": headers,
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }
    if "elb" in (event.get("requestContext") or {}):
        answer["statusDescription"] = "200 OK" if status == 200 else "405 Method Not Allowed"
        if "multiValueHeaders" in event:
            # A target group with multi-value headers on reads only `multiValueHeaders`.
            answer["multiValueHeaders"] = {k: [v] for k, v in answer.pop("headers").items()}
    return answer


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event, context)

from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.routing_rule import RoutingRule
from ...models.routing_rule_create import RoutingRuleCreate
from ...types import UNSET, Response, Unset, new_idempotency_key


def _get_kwargs(
    *,
    body: RoutingRuleCreate,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    if isinstance(idempotency_key, Unset):
        idempotency_key = new_idempotency_key()
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/routing",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> RoutingRule:
    if response.status_code == 201:
        response_201 = RoutingRule.from_dict(response.json())

        return response_201

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[RoutingRule]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RoutingRuleCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[RoutingRule]:
    """Create a routing rule

     Routes a client-facing model name (exact, or a glob with `*` and `?`) to ordered provider
    targets. `failover` tries the targets in order (a failed call is retried on the next
    target, so it needs `retry.attempts` of at least 1 with several targets); `weighted`
    splits traffic by `weight`. The client-facing name is unique. Requests reach a rule on
    `/v1/chat/completions`, `/v1/messages` and `/v1/messages/count_tokens`, with or without
    a trailing slash.

    Args:
        idempotency_key (str | Unset):
        body (RoutingRuleCreate): A routing rule to create. Example: {'model': 'claude-sonnet-4',
            'strategy': 'failover', 'targets': [{'provider': 'bedrock', 'model': 'anthropic.claude-
            sonnet-4-20250514-v1:0', 'region': 'us-east-1'}, {'provider': 'anthropic', 'model':
            'claude-sonnet-4-20250514'}], 'retry': {'attempts': 2, 'on_status': [429, 503]},
            'description': 'Sonnet on Bedrock, Anthropic API as fallback', 'enabled': True}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[RoutingRule]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: RoutingRuleCreate,
    idempotency_key: str | Unset = UNSET,
) -> RoutingRule:
    """Create a routing rule

     Routes a client-facing model name (exact, or a glob with `*` and `?`) to ordered provider
    targets. `failover` tries the targets in order (a failed call is retried on the next
    target, so it needs `retry.attempts` of at least 1 with several targets); `weighted`
    splits traffic by `weight`. The client-facing name is unique. Requests reach a rule on
    `/v1/chat/completions`, `/v1/messages` and `/v1/messages/count_tokens`, with or without
    a trailing slash.

    Args:
        idempotency_key (str | Unset):
        body (RoutingRuleCreate): A routing rule to create. Example: {'model': 'claude-sonnet-4',
            'strategy': 'failover', 'targets': [{'provider': 'bedrock', 'model': 'anthropic.claude-
            sonnet-4-20250514-v1:0', 'region': 'us-east-1'}, {'provider': 'anthropic', 'model':
            'claude-sonnet-4-20250514'}], 'retry': {'attempts': 2, 'on_status': [429, 503]},
            'description': 'Sonnet on Bedrock, Anthropic API as fallback', 'enabled': True}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        RoutingRule
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed

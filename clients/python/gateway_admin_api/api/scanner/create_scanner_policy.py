from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.scanner_policy import ScannerPolicy
from ...models.scanner_policy_create import ScannerPolicyCreate
from ...types import UNSET, Response, Unset, new_idempotency_key


def _get_kwargs(
    *,
    body: ScannerPolicyCreate,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    if isinstance(idempotency_key, Unset):
        idempotency_key = new_idempotency_key()
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/scanner",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ScannerPolicy:
    if response.status_code == 201:
        response_201 = ScannerPolicy.from_dict(response.json())

        return response_201

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ScannerPolicy]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ScannerPolicyCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[ScannerPolicy]:
    """Create a guardrail policy

     A policy applies built-in detectors, custom regular expressions and optionally a Bedrock
    Guardrail to the prompts (`request`), the completions (`response`) or `both`, for all teams
    or the listed ones. Policy names are unique.

    Args:
        idempotency_key (str | Unset):
        body (ScannerPolicyCreate): A guardrail policy to create. Example: {'name': 'pii-masking',
            'applies_to': {'mode': 'all'}, 'phase': 'both', 'detectors': [{'detector': 'email',
            'action': 'mask'}, {'detector': 'credit_card', 'action': 'reject'}], 'custom_rules':
            [{'name': 'internal-hostnames', 'pattern': '[a-z0-9-]+\\\\.corp\\\\.example\\\\.com',
            'action': 'mask'}], 'enabled': True}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[ScannerPolicy]: the parsed answer with its status and headers
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
    body: ScannerPolicyCreate,
    idempotency_key: str | Unset = UNSET,
) -> ScannerPolicy:
    """Create a guardrail policy

     A policy applies built-in detectors, custom regular expressions and optionally a Bedrock
    Guardrail to the prompts (`request`), the completions (`response`) or `both`, for all teams
    or the listed ones. Policy names are unique.

    Args:
        idempotency_key (str | Unset):
        body (ScannerPolicyCreate): A guardrail policy to create. Example: {'name': 'pii-masking',
            'applies_to': {'mode': 'all'}, 'phase': 'both', 'detectors': [{'detector': 'email',
            'action': 'mask'}, {'detector': 'credit_card', 'action': 'reject'}], 'custom_rules':
            [{'name': 'internal-hostnames', 'pattern': '[a-z0-9-]+\\\\.corp\\\\.example\\\\.com',
            'action': 'mask'}], 'enabled': True}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        ScannerPolicy
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed

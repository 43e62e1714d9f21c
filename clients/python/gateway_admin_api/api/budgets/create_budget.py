from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.budget import Budget
from ...models.budget_create import BudgetCreate
from ...types import UNSET, Response, Unset, new_idempotency_key


def _get_kwargs(
    *,
    body: BudgetCreate,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    if isinstance(idempotency_key, Unset):
        idempotency_key = new_idempotency_key()
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/budgets",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Budget:
    if response.status_code == 201:
        response_201 = Budget.from_dict(response.json())

        return response_201

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Budget]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: BudgetCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[Budget]:
    """Create a team's budget

     Creates the budget of a team. A team has at most one budget (a second answers 409); a team
    registered with a tier other than `unlimited` already has one.

    Args:
        idempotency_key (str | Unset):
        body (BudgetCreate): A team's budget to create. Example: {'team_id':
            'tm_01jd2x3y4z5a6b7c8d9e0f1g2h', 'amount_usd': '250.00', 'period': 'monthly',
            'model_limits': [{'model': 'claude-opus-4-1-20250805', 'amount_usd': '100.00'}],
            'alert_thresholds': [50, 80, 100], 'enforcement': 'hard'}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[Budget]: the parsed answer with its status and headers
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
    body: BudgetCreate,
    idempotency_key: str | Unset = UNSET,
) -> Budget:
    """Create a team's budget

     Creates the budget of a team. A team has at most one budget (a second answers 409); a team
    registered with a tier other than `unlimited` already has one.

    Args:
        idempotency_key (str | Unset):
        body (BudgetCreate): A team's budget to create. Example: {'team_id':
            'tm_01jd2x3y4z5a6b7c8d9e0f1g2h', 'amount_usd': '250.00', 'period': 'monthly',
            'model_limits': [{'model': 'claude-opus-4-1-20250805', 'amount_usd': '100.00'}],
            'alert_thresholds': [50, 80, 100], 'enforcement': 'hard'}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Budget
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed

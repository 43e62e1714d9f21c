from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.budget_list import BudgetList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 25,
    cursor: str | Unset = UNSET,
    team_id: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["team_id"] = team_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/budgets",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BudgetList:
    if response.status_code == 200:
        response_200 = BudgetList.from_dict(response.json())

        return response_200

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BudgetList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 25,
    cursor: str | Unset = UNSET,
    team_id: str | Unset = UNSET,
) -> Response[BudgetList]:
    """List budgets

     Lists budgets, optionally only the budget of one team.

    Args:
        limit (int | Unset):  Default: 25.
        cursor (str | Unset):
        team_id (str | Unset): A team id, assigned by the control plane. Example:
            tm_01jd2x3y4z5a6b7c8d9e0f1g2h.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[BudgetList]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        team_id=team_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 25,
    cursor: str | Unset = UNSET,
    team_id: str | Unset = UNSET,
) -> BudgetList:
    """List budgets

     Lists budgets, optionally only the budget of one team.

    Args:
        limit (int | Unset):  Default: 25.
        cursor (str | Unset):
        team_id (str | Unset): A team id, assigned by the control plane. Example:
            tm_01jd2x3y4z5a6b7c8d9e0f1g2h.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        BudgetList
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        team_id=team_id,
    ).parsed

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.budget import Budget
from ...models.budget_update import BudgetUpdate
from ...types import UNSET, Response, Unset


def _get_kwargs(
    budget_id: str,
    *,
    body: BudgetUpdate,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/budgets/{budget_id}".format(
            budget_id=quote(str(budget_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Budget:
    if response.status_code == 200:
        response_200 = Budget.from_dict(response.json())

        return response_200

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
    budget_id: str,
    *,
    client: AuthenticatedClient,
    body: BudgetUpdate,
    if_match: str | Unset = UNSET,
) -> Response[Budget]:
    """Update a budget

     Updates the fields the body names and leaves the others as they are.

    Args:
        budget_id (str): A budget id, assigned by the control plane. Example:
            bg_01jd2x3y4z5a6b7c8d9e0f1g2h.
        if_match (str | Unset):
        body (BudgetUpdate): Fields of a budget to change; fields not named are left as they are.
            Example: {'amount_usd': '500.00'}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[Budget]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        budget_id=budget_id,
        body=body,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    budget_id: str,
    *,
    client: AuthenticatedClient,
    body: BudgetUpdate,
    if_match: str | Unset = UNSET,
) -> Budget:
    """Update a budget

     Updates the fields the body names and leaves the others as they are.

    Args:
        budget_id (str): A budget id, assigned by the control plane. Example:
            bg_01jd2x3y4z5a6b7c8d9e0f1g2h.
        if_match (str | Unset):
        body (BudgetUpdate): Fields of a budget to change; fields not named are left as they are.
            Example: {'amount_usd': '500.00'}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Budget
    """

    return sync_detailed(
        budget_id=budget_id,
        client=client,
        body=body,
        if_match=if_match,
    ).parsed

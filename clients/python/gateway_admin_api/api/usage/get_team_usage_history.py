from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.usage_history import UsageHistory
from ...types import UNSET, Response, Unset


def _get_kwargs(
    team_id: str,
    *,
    months: int | Unset = 12,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["months"] = months

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/usage/{team_id}/history".format(
            team_id=quote(str(team_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> UsageHistory:
    if response.status_code == 200:
        response_200 = UsageHistory.from_dict(response.json())

        return response_200

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[UsageHistory]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    team_id: str,
    *,
    client: AuthenticatedClient,
    months: int | Unset = 12,
) -> Response[UsageHistory]:
    """A team's monthly usage history

     Monthly totals of the last `months` months up to and including the current one, oldest
    first; months without usage are included as zeros. Same access rules as `GET /usage/{team_id}`.

    Args:
        team_id (str): A team id, or `unattributed` for usage whose client matched no team.
            Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        months (int | Unset):  Default: 12.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[UsageHistory]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        team_id=team_id,
        months=months,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    team_id: str,
    *,
    client: AuthenticatedClient,
    months: int | Unset = 12,
) -> UsageHistory:
    """A team's monthly usage history

     Monthly totals of the last `months` months up to and including the current one, oldest
    first; months without usage are included as zeros. Same access rules as `GET /usage/{team_id}`.

    Args:
        team_id (str): A team id, or `unattributed` for usage whose client matched no team.
            Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        months (int | Unset):  Default: 12.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        UsageHistory
    """

    return sync_detailed(
        team_id=team_id,
        client=client,
        months=months,
    ).parsed

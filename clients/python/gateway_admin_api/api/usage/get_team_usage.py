from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.team_usage import TeamUsage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    team_id: str,
    *,
    period: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["period"] = period

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/usage/{team_id}".format(
            team_id=quote(str(team_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> TeamUsage:
    if response.status_code == 200:
        response_200 = TeamUsage.from_dict(response.json())

        return response_200

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[TeamUsage]:
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
    period: str | Unset = UNSET,
) -> Response[TeamUsage]:
    """A team's usage in one period

     Requests, tokens and cost of one team in the current calendar month (UTC), or in `period`;
    the budget's utilisation (spent, remaining, percent, thresholds already alerted) and a
    per-model breakdown sorted by cost, highest first. Spend is charged from agentgateway's
    access logs, so it trails live traffic by the ingestion delay.

    An admin token reads any team (and `unattributed`, the usage whose client matched no
    team); a team's own `invoke` token reads only its own team (another team answers 403).

    Args:
        team_id (str): A team id, or `unattributed` for usage whose client matched no team.
            Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        period (str | Unset): A calendar month in UTC, `YYYY-MM` (years 2000 to 2999). Example:
            2026-11.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[TeamUsage]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        team_id=team_id,
        period=period,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    team_id: str,
    *,
    client: AuthenticatedClient,
    period: str | Unset = UNSET,
) -> TeamUsage:
    """A team's usage in one period

     Requests, tokens and cost of one team in the current calendar month (UTC), or in `period`;
    the budget's utilisation (spent, remaining, percent, thresholds already alerted) and a
    per-model breakdown sorted by cost, highest first. Spend is charged from agentgateway's
    access logs, so it trails live traffic by the ingestion delay.

    An admin token reads any team (and `unattributed`, the usage whose client matched no
    team); a team's own `invoke` token reads only its own team (another team answers 403).

    Args:
        team_id (str): A team id, or `unattributed` for usage whose client matched no team.
            Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        period (str | Unset): A calendar month in UTC, `YYYY-MM` (years 2000 to 2999). Example:
            2026-11.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        TeamUsage
    """

    return sync_detailed(
        team_id=team_id,
        client=client,
        period=period,
    ).parsed

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.team import Team
from ...models.team_update import TeamUpdate
from ...types import UNSET, Response, Unset


def _get_kwargs(
    team_id: str,
    *,
    body: TeamUpdate,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/teams/{team_id}".format(
            team_id=quote(str(team_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Team:
    if response.status_code == 200:
        response_200 = Team.from_dict(response.json())

        return response_200

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Team]:
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
    body: TeamUpdate,
    if_match: str | Unset = UNSET,
) -> Response[Team]:
    """Update a team

     Updates the fields the body names and leaves the others as they are. Changing the tier does
    not change an existing budget. Suspending a team makes the budget check reject its requests.

    Args:
        team_id (str): A team id, assigned by the control plane. Example:
            tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        if_match (str | Unset):
        body (TeamUpdate): Fields of a team to change; fields not named are left as they are.
            Example: {'status': 'suspended'}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[Team]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        team_id=team_id,
        body=body,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    team_id: str,
    *,
    client: AuthenticatedClient,
    body: TeamUpdate,
    if_match: str | Unset = UNSET,
) -> Team:
    """Update a team

     Updates the fields the body names and leaves the others as they are. Changing the tier does
    not change an existing budget. Suspending a team makes the budget check reject its requests.

    Args:
        team_id (str): A team id, assigned by the control plane. Example:
            tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        if_match (str | Unset):
        body (TeamUpdate): Fields of a team to change; fields not named are left as they are.
            Example: {'status': 'suspended'}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Team
    """

    return sync_detailed(
        team_id=team_id,
        client=client,
        body=body,
        if_match=if_match,
    ).parsed

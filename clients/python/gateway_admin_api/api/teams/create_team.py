from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.team_create import TeamCreate
from ...models.team_registration import TeamRegistration
from ...types import UNSET, Response, Unset, new_idempotency_key


def _get_kwargs(
    *,
    body: TeamCreate,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    if isinstance(idempotency_key, Unset):
        idempotency_key = new_idempotency_key()
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/teams",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> TeamRegistration:
    if response.status_code == 201:
        response_201 = TeamRegistration.from_dict(response.json())

        return response_201

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[TeamRegistration]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TeamCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[TeamRegistration]:
    """Register a team

     Registers a team, creates its OAuth client (client-credentials grant, scope
    `https://gateway.internal/invoke`) and its default budget from the tier
    (sandbox 25, standard 100, premium 1000 USD a month; unlimited gets none).
    The client secret is shown in this response only.

    Args:
        idempotency_key (str | Unset):
        body (TeamCreate): A team to register. Example: {'name': 'payments-platform',
            'contact_email': 'payments-oncall@example.com', 'tier': 'standard', 'description': 'Coding
            agents of the payments team', 'cost_center': 'CC-4410'}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[TeamRegistration]: the parsed answer with its status and headers
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
    body: TeamCreate,
    idempotency_key: str | Unset = UNSET,
) -> TeamRegistration:
    """Register a team

     Registers a team, creates its OAuth client (client-credentials grant, scope
    `https://gateway.internal/invoke`) and its default budget from the tier
    (sandbox 25, standard 100, premium 1000 USD a month; unlimited gets none).
    The client secret is shown in this response only.

    Args:
        idempotency_key (str | Unset):
        body (TeamCreate): A team to register. Example: {'name': 'payments-platform',
            'contact_email': 'payments-oncall@example.com', 'tier': 'standard', 'description': 'Coding
            agents of the payments team', 'cost_center': 'CC-4410'}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        TeamRegistration
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed

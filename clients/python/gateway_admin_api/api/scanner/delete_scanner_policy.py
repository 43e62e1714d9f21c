from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...types import UNSET, Response, Unset


def _get_kwargs(
    policy_id: str,
    *,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/scanner/{policy_id}".format(
            policy_id=quote(str(policy_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> None:
    if response.status_code == 204:
        return
    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[None]:
    _parse_response(client=client, response=response)
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=None,
    )


def sync_detailed(
    policy_id: str,
    *,
    client: AuthenticatedClient,
    if_match: str | Unset = UNSET,
) -> Response[None]:
    """Delete a guardrail policy

     Deletes the policy.

    Args:
        policy_id (str): A scanner policy id, assigned by the control plane. Example:
            sp_01jd2x3y4z5a6b7c8d9e0f1g2h.
        if_match (str | Unset):

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[None]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        policy_id=policy_id,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    policy_id: str,
    *,
    client: AuthenticatedClient,
    if_match: str | Unset = UNSET,
) -> None:
    """Delete a guardrail policy

     Deletes the policy.

    Args:
        policy_id (str): A scanner policy id, assigned by the control plane. Example:
            sp_01jd2x3y4z5a6b7c8d9e0f1g2h.
        if_match (str | Unset):

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        None
    """

    return sync_detailed(
        policy_id=policy_id,
        client=client,
        if_match=if_match,
    ).parsed

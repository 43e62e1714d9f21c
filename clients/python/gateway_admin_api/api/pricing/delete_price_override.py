from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...types import UNSET, Response, Unset


def _get_kwargs(
    provider: str,
    model: str,
    *,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/pricing/{provider}/{model}".format(
            provider=quote(str(provider), safe=""),
            model=quote(str(model), safe=""),
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
    provider: str,
    model: str,
    *,
    client: AuthenticatedClient,
    if_match: str | Unset = UNSET,
) -> Response[None]:
    """Delete a price override

     Removes the override so the static default applies again; 404 if there is no override.

    Args:
        provider (str): An LLM provider: one of `bedrock`, `anthropic`, `openai`, `gemini`,
            `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.
        model (str): A provider's model id; may contain dots, colons, at signs and dashes.
            Example: anthropic.claude-sonnet-4-20250514-v1:0.
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
        provider=provider,
        model=model,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    provider: str,
    model: str,
    *,
    client: AuthenticatedClient,
    if_match: str | Unset = UNSET,
) -> None:
    """Delete a price override

     Removes the override so the static default applies again; 404 if there is no override.

    Args:
        provider (str): An LLM provider: one of `bedrock`, `anthropic`, `openai`, `gemini`,
            `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.
        model (str): A provider's model id; may contain dots, colons, at signs and dashes.
            Example: anthropic.claude-sonnet-4-20250514-v1:0.
        if_match (str | Unset):

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        None
    """

    return sync_detailed(
        provider=provider,
        model=model,
        client=client,
        if_match=if_match,
    ).parsed

from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.price_list import PriceList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 25,
    cursor: str | Unset = UNSET,
    provider: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["provider"] = provider

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/pricing",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PriceList:
    if response.status_code == 200:
        response_200 = PriceList.from_dict(response.json())

        return response_200

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PriceList]:
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
    provider: str | Unset = UNSET,
) -> Response[PriceList]:
    """List effective prices

     Every price the gateway knows: the static defaults shipped with the control plane merged
    with operator overrides, each marked with its source. Sorted by provider, then model.

    Args:
        limit (int | Unset):  Default: 25.
        cursor (str | Unset):
        provider (str | Unset): An LLM provider: one of `bedrock`, `anthropic`, `openai`,
            `gemini`, `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[PriceList]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        provider=provider,
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
    provider: str | Unset = UNSET,
) -> PriceList:
    """List effective prices

     Every price the gateway knows: the static defaults shipped with the control plane merged
    with operator overrides, each marked with its source. Sorted by provider, then model.

    Args:
        limit (int | Unset):  Default: 25.
        cursor (str | Unset):
        provider (str | Unset): An LLM provider: one of `bedrock`, `anthropic`, `openai`,
            `gemini`, `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        PriceList
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        provider=provider,
    ).parsed

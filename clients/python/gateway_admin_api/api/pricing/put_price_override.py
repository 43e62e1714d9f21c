from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.price import Price
from ...models.price_override import PriceOverride
from ...types import UNSET, Response, Unset


def _get_kwargs(
    provider: str,
    model: str,
    *,
    body: PriceOverride,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/pricing/{provider}/{model}".format(
            provider=quote(str(provider), safe=""),
            model=quote(str(model), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Price:
    if response.status_code == 200:
        response_200 = Price.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Price.from_dict(response.json())

        return response_201

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Price]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    provider: str,
    model: str,
    *,
    client: AuthenticatedClient,
    body: PriceOverride,
    if_match: str | Unset = UNSET,
) -> Response[Price]:
    """Create or replace a price override

     Sets the operator's price for a model, in USD per 1M tokens. The override wins over the
    static default until it is deleted. The body is the whole price (no merge with the default).
    Answers 201 when the override is new, 200 when it replaced one.

    Args:
        provider (str): An LLM provider: one of `bedrock`, `anthropic`, `openai`, `gemini`,
            `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.
        model (str): A provider's model id; may contain dots, colons, at signs and dashes.
            Example: anthropic.claude-sonnet-4-20250514-v1:0.
        if_match (str | Unset):
        body (PriceOverride): An operator's price for one model, in USD per 1M tokens. Example:
            {'input': '3', 'output': '15', 'cache_read': '0.30', 'cache_write': '3.75',
            'long_context': {'above_tokens': 200000, 'input': '6', 'output': '22.50'}}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[Price]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        provider=provider,
        model=model,
        body=body,
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
    body: PriceOverride,
    if_match: str | Unset = UNSET,
) -> Price:
    """Create or replace a price override

     Sets the operator's price for a model, in USD per 1M tokens. The override wins over the
    static default until it is deleted. The body is the whole price (no merge with the default).
    Answers 201 when the override is new, 200 when it replaced one.

    Args:
        provider (str): An LLM provider: one of `bedrock`, `anthropic`, `openai`, `gemini`,
            `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.
        model (str): A provider's model id; may contain dots, colons, at signs and dashes.
            Example: anthropic.claude-sonnet-4-20250514-v1:0.
        if_match (str | Unset):
        body (PriceOverride): An operator's price for one model, in USD per 1M tokens. Example:
            {'input': '3', 'output': '15', 'cache_read': '0.30', 'cache_write': '3.75',
            'long_context': {'above_tokens': 200000, 'input': '6', 'output': '22.50'}}.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Price
    """

    return sync_detailed(
        provider=provider,
        model=model,
        client=client,
        body=body,
        if_match=if_match,
    ).parsed

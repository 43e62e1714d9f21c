from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.price import Price
from ...types import Response


def _get_kwargs(
    provider: str,
    model: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/pricing/{provider}/{model}".format(
            provider=quote(str(provider), safe=""),
            model=quote(str(model), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Price:
    if response.status_code == 200:
        response_200 = Price.from_dict(response.json())

        return response_200

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
) -> Response[Price]:
    """Get the effective price of a model

     The override if there is one, else the static default; 404 if neither exists.

    Args:
        provider (str): An LLM provider: one of `bedrock`, `anthropic`, `openai`, `gemini`,
            `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.
        model (str): A provider's model id; may contain dots, colons, at signs and dashes.
            Example: anthropic.claude-sonnet-4-20250514-v1:0.

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
) -> Price:
    """Get the effective price of a model

     The override if there is one, else the static default; 404 if neither exists.

    Args:
        provider (str): An LLM provider: one of `bedrock`, `anthropic`, `openai`, `gemini`,
            `vertex`, `azure`.
            Another name is refused with 422.
             Example: bedrock.
        model (str): A provider's model id; may contain dots, colons, at signs and dashes.
            Example: anthropic.claude-sonnet-4-20250514-v1:0.

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
    ).parsed

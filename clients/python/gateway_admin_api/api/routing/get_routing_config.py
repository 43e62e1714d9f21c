from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.agentgateway_config import AgentgatewayConfig
from ...models.get_routing_config_format import (
    GetRoutingConfigFormat,
)
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    format_: GetRoutingConfigFormat | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    params: dict[str, Any] = {}

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/routing/config",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AgentgatewayConfig | None:
    if response.status_code == 200:
        response_200 = AgentgatewayConfig.from_dict(response.json())

        return response_200

    if response.status_code == 304:
        return None
    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AgentgatewayConfig | None]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    format_: GetRoutingConfigFormat | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> Response[AgentgatewayConfig | None]:
    """The rendered agentgateway config

     The complete agentgateway config rendered from the current routing rules, scanner
    policies and prices: the file the inference plane runs with (also published to
    `<data-dir>/agentgateway.yaml` locally, or to S3 on AWS, on every change). YAML by
    default; `?format=json` answers the same document as JSON.
    The ETag is a hash of the YAML; send it in `If-None-Match` to get 304 when unchanged.

    Args:
        format_ (GetRoutingConfigFormat | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[AgentgatewayConfig | None]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        format_=format_,
        if_none_match=if_none_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    format_: GetRoutingConfigFormat | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> AgentgatewayConfig | None:
    """The rendered agentgateway config

     The complete agentgateway config rendered from the current routing rules, scanner
    policies and prices: the file the inference plane runs with (also published to
    `<data-dir>/agentgateway.yaml` locally, or to S3 on AWS, on every change). YAML by
    default; `?format=json` answers the same document as JSON.
    The ETag is a hash of the YAML; send it in `If-None-Match` to get 304 when unchanged.

    Args:
        format_ (GetRoutingConfigFormat | Unset):
        if_none_match (str | Unset):

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        AgentgatewayConfig | None
    """

    return sync_detailed(
        client=client,
        format_=format_,
        if_none_match=if_none_match,
    ).parsed

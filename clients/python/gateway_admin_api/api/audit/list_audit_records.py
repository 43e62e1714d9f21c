import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_action import AuditAction
from ...models.audit_record_list import AuditRecordList
from ...models.audit_resource_type import AuditResourceType
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 25,
    cursor: str | Unset = UNSET,
    resource_type: AuditResourceType | Unset = UNSET,
    resource_id: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    action: AuditAction | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    json_resource_type: str | Unset = UNSET
    if not isinstance(resource_type, Unset):
        json_resource_type = resource_type

    params["resource_type"] = json_resource_type

    params["resource_id"] = resource_id

    params["actor"] = actor

    json_action: str | Unset = UNSET
    if not isinstance(action, Unset):
        json_action = action

    params["action"] = json_action

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuditRecordList:
    if response.status_code == 200:
        response_200 = AuditRecordList.from_dict(response.json())

        return response_200

    raise errors.ApiError.from_response(response)


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AuditRecordList]:
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
    resource_type: AuditResourceType | Unset = UNSET,
    resource_id: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    action: AuditAction | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> Response[AuditRecordList]:
    """List audit records

     The audit trail: one record for every change made through this API, written in the
    change's own transaction, newest first. Secrets are redacted (`***`). Filters combine: a
    record is listed when it matches every filter given. `since` and `until` are inclusive
    and count whole seconds (records carry their time to the second); `until` before `since`
    answers 400.

    Pages are cut after filtering, so a page is full when enough records match. The work of
    one request is bounded: it reads at most 10 × 100 records from the store, newest first,
    a month without records costing one of the 10 reads. A selective filter over a long
    range can therefore answer fewer than `limit` records, even none, with a `next_cursor`
    to go on from where the reading stopped. Follow `next_cursor`, with the same filters,
    until it is null. Without `since` the trail is read back to its first month (2026-11).

    Args:
        limit (int | Unset):  Default: 25.
        cursor (str | Unset):
        resource_type (AuditResourceType | Unset): The kind of resource a change was made to: the
            first segment of its path (`/teams/…`,
            `/budgets/…`, `/pricing/…`, `/routing/…`, `/scanner/…`).
             Example: teams.
        resource_id (str | Unset): The resource a change was made to: a team, budget, routing rule
            or scanner policy id, or
            `<provider>/<model>` of a price override.
             Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        actor (str | Unset): An OAuth client id (a Cognito app client, or the local server's
            stand-in). Example: 5b1n1c2f0kq7v3lq9l7c0s1f8e.
        action (AuditAction | Unset): An operation that changes something, by its `operationId`.
            Example: updateTeam.
        since (datetime.datetime | Unset): An instant, RFC 3339 with an upper-case `T`, seconds
            and an offset (`Z` or `±hh:mm`);
            up to 6 decimals of a second.
             Example: 2026-11-22T14:05:00Z.
        until (datetime.datetime | Unset): An instant, RFC 3339 with an upper-case `T`, seconds
            and an offset (`Z` or `±hh:mm`);
            up to 6 decimals of a second.
             Example: 2026-11-22T14:05:00Z.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        Response[AuditRecordList]: the parsed answer with its status and headers
        (`.etag`, `.location`).
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        resource_type=resource_type,
        resource_id=resource_id,
        actor=actor,
        action=action,
        since=since,
        until=until,
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
    resource_type: AuditResourceType | Unset = UNSET,
    resource_id: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    action: AuditAction | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> AuditRecordList:
    """List audit records

     The audit trail: one record for every change made through this API, written in the
    change's own transaction, newest first. Secrets are redacted (`***`). Filters combine: a
    record is listed when it matches every filter given. `since` and `until` are inclusive
    and count whole seconds (records carry their time to the second); `until` before `since`
    answers 400.

    Pages are cut after filtering, so a page is full when enough records match. The work of
    one request is bounded: it reads at most 10 × 100 records from the store, newest first,
    a month without records costing one of the 10 reads. A selective filter over a long
    range can therefore answer fewer than `limit` records, even none, with a `next_cursor`
    to go on from where the reading stopped. Follow `next_cursor`, with the same filters,
    until it is null. Without `since` the trail is read back to its first month (2026-11).

    Args:
        limit (int | Unset):  Default: 25.
        cursor (str | Unset):
        resource_type (AuditResourceType | Unset): The kind of resource a change was made to: the
            first segment of its path (`/teams/…`,
            `/budgets/…`, `/pricing/…`, `/routing/…`, `/scanner/…`).
             Example: teams.
        resource_id (str | Unset): The resource a change was made to: a team, budget, routing rule
            or scanner policy id, or
            `<provider>/<model>` of a price override.
             Example: tm_01jd2x3y4z5a6b7c8d9e0f1g2h.
        actor (str | Unset): An OAuth client id (a Cognito app client, or the local server's
            stand-in). Example: 5b1n1c2f0kq7v3lq9l7c0s1f8e.
        action (AuditAction | Unset): An operation that changes something, by its `operationId`.
            Example: updateTeam.
        since (datetime.datetime | Unset): An instant, RFC 3339 with an upper-case `T`, seconds
            and an offset (`Z` or `±hh:mm`);
            up to 6 decimals of a second.
             Example: 2026-11-22T14:05:00Z.
        until (datetime.datetime | Unset): An instant, RFC 3339 with an upper-case `T`, seconds
            and an offset (`Z` or `±hh:mm`);
            up to 6 decimals of a second.
             Example: 2026-11-22T14:05:00Z.

    Raises:
        errors.ApiError: The answer was not a success: the subclass for its status (errors.NotFound,
            errors.PreconditionFailed, ...) with the problem's title, detail and field errors.
        httpx.HTTPError: The request could not be sent or its answer not read (e.g. a timeout).

    Returns:
        AuditRecordList
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        resource_type=resource_type,
        resource_id=resource_id,
        actor=actor,
        action=action,
        since=since,
        until=until,
    ).parsed

"""Errors raised by the API functions: one exception class per kind of problem.

Every error answer of the API is `application/problem+json` (RFC 9457); `ApiError.from_response`
turns it into the subclass for its status (`NotFound`, `PreconditionFailed`…), carrying the
problem's fields: status, title, detail, type, instance, request_id and the failing `errors`.
An answer that is not a problem document (a proxy's HTML page) still raises the class for its
status, with what could be read.
"""

# This module comes from clients/python/templates/errors.py.jinja (it replaces the generator's
# own errors.py): edit the template, then run `make generate`.

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import httpx

from .models.field_error import FieldError


class ApiError(Exception):
    """An answer the operation does not succeed with. Subclasses by status below."""

    def __init__(
        self,
        status: int,
        title: str,
        *,
        detail: str | None = None,
        type: str | None = None,
        instance: str | None = None,
        request_id: str | None = None,
        errors: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes = b"",
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.instance = instance
        self.request_id = request_id
        self.errors: list[FieldError] = list(errors or [])
        self.headers: Mapping[str, str] = dict(headers or {})
        self.content = content
        super().__init__(self._message())

    def _message(self) -> str:
        message = f"{self.status} {self.title}"
        if self.detail:
            message += f": {self.detail}"
        if self.request_id:
            message += f" (request id {self.request_id})"
        return message

    @property
    def field_errors(self) -> dict[str, str]:
        """The failing fields, `{field: message}` (the last message when a field fails twice)."""
        return {error.field: error.message for error in self.errors}

    @classmethod
    def from_response(cls, response: httpx.Response) -> "ApiError":
        """The exception for an answer: its status picks the class, its problem document the fields."""
        status = response.status_code
        error_class = _CLASS_BY_STATUS.get(status)
        if error_class is None:
            if 500 <= status <= 599:
                error_class = ServerError
            elif 400 <= status <= 499:
                error_class = ClientError
            else:
                error_class = UnexpectedStatus
        problem = _problem_fields(response)
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown status"
        title = problem.get("title")
        detail = problem.get("detail")
        if not problem and response.content:
            detail = response.text[:500]
        return error_class(
            status,
            title if isinstance(title, str) else reason,
            detail=detail if isinstance(detail, str) else None,
            type=_str_or_none(problem.get("type")),
            instance=_str_or_none(problem.get("instance")),
            request_id=_str_or_none(problem.get("request_id")),
            errors=_field_errors(problem.get("errors")),
            headers=response.headers,
            content=response.content,
        )


class UnexpectedStatus(ApiError):
    """A status the contract does not document for the operation, outside 4xx and 5xx."""


class ClientError(ApiError):
    """A 4xx answer: the request must change before it can succeed."""


class BadRequest(ClientError):
    """400: the request is malformed (bad JSON, wrong types, unknown fields, out-of-range values)."""


class Unauthorized(ClientError):
    """401: the access token is missing, expired or invalid."""


class Forbidden(ClientError):
    """403: the access token lacks the scope the operation requires."""


class NotFound(ClientError):
    """404: no such resource."""


class Conflict(ClientError):
    """409: the change conflicts with the current state (a duplicate name, a concurrent change)."""


class PreconditionFailed(ClientError):
    """412: the resource changed since the ETag given in `If-Match`; read it again."""


class PayloadTooLarge(ClientError):
    """413: the body is too large."""


class UnsupportedMediaType(ClientError):
    """415: the body is not `application/json`."""


class UnprocessableEntity(ClientError):
    """422: well-formed but cannot be applied (see `errors`), or an Idempotency-Key reused with
    another body."""


class PreconditionRequired(ClientError):
    """428: the operation requires `If-Match`."""


class TooManyRequests(ClientError):
    """429: too many requests; `retry_after` says when to try again, if the server said."""

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait, from the `Retry-After` header (seconds form), or None."""
        value = self.headers.get("retry-after")
        try:
            return max(0.0, float(value)) if value is not None else None
        except ValueError:
            return None


class ServerError(ApiError):
    """A 5xx answer."""


class InternalServerError(ServerError):
    """500: an unexpected error; nothing was changed."""


class ServiceUnavailable(ServerError):
    """503: the store or identity provider is unavailable; nothing was changed, retry later."""


_CLASS_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: UnprocessableEntity,
    428: PreconditionRequired,
    429: TooManyRequests,
    500: InternalServerError,
    503: ServiceUnavailable,
}


def _problem_fields(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _field_errors(value: object) -> list[FieldError]:
    if not isinstance(value, list):
        return []
    return [
        FieldError(field=str(item.get("field", "")), message=str(item.get("message", "")))
        for item in value
        if isinstance(item, dict)
    ]


__all__ = [
    "ApiError",
    "BadRequest",
    "ClientError",
    "Conflict",
    "Forbidden",
    "InternalServerError",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "PreconditionRequired",
    "ServerError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnexpectedStatus",
    "UnprocessableEntity",
    "UnsupportedMediaType",
]

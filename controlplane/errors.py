"""Domain errors and their one mapping to RFC 9457 problem details.

Handlers and repositories raise these; the API adapters turn them into `application/problem+json`
answers with `to_problem`. Nothing else in the code base builds an error response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

PROBLEM_BASE = "https://gateway.internal/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class FieldProblem:
    """One failing field: a path into the request (`targets[0].weight`) or a parameter name."""

    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Base of every error a client can be told about."""

    detail: str
    errors: list[FieldProblem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "server-error"
    title: ClassVar[str] = "Server Error"

    def __str__(self) -> str:
        return self.detail


class BadRequest(DomainError):
    status, slug, title = 400, "bad-request", "Bad Request"


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "Unauthorized"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not Found"


class MethodNotAllowed(DomainError):
    status, slug, title = 405, "method-not-allowed", "Method Not Allowed"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(DomainError):
    status, slug, title = 412, "precondition-failed", "Precondition Failed"


class PayloadTooLarge(DomainError):
    status, slug, title = 413, "payload-too-large", "Payload Too Large"


class UnsupportedMediaType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported Media Type"


class Unprocessable(DomainError):
    status, slug, title = 422, "unprocessable", "Unprocessable Entity"


class Unavailable(DomainError):
    """The store or the identity provider cannot be reached; nothing was changed."""

    status, slug, title = 503, "unavailable", "Service Unavailable"


def field_error(error_type: type[DomainError], field_path: str, message: str) -> DomainError:
    """A one-field error, e.g. `field_error(Unprocessable, "team_id", "no such team")`."""
    return error_type(detail=f"{field_path}: {message}", errors=[FieldProblem(field_path, message)])


def to_problem(
    error: DomainError, *, instance: str, request_id: str | None = None
) -> dict[str, Any]:
    """The problem+json document of an error."""
    problem: dict[str, Any] = {
        "type": PROBLEM_BASE + error.slug,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "instance": instance,
    }
    if request_id:
        problem["request_id"] = request_id
    if error.errors:
        problem["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    return problem


def internal_error() -> DomainError:
    """What an unexpected exception becomes: a 500 that says nothing about internals."""
    return DomainError(detail="An unexpected error occurred; nothing was changed.")

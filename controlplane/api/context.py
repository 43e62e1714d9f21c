"""The context an operation runs in: who calls, with which services, for which request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from controlplane.errors import PreconditionFailed
from controlplane.identity.principal import Principal
from controlplane.store.port import Condition, MustExist, VersionIs, Write

if TYPE_CHECKING:
    from controlplane.api.operations import Reply
    from controlplane.services import Services


@dataclass
class PendingAnswer:
    """The Idempotency-Key a request reserved. An operation that commits a change records its
    answer in that same transaction (`resources.commit_answer`), so no crash can keep the change
    and lose the answer (a registration's secret); otherwise the dispatcher records it after."""

    completion: Callable[[Reply], Write]
    recorded: bool = False


@dataclass(frozen=True)
class RequestContext:
    principal: Principal
    services: Services
    request_id: str
    path: str
    if_match: str | None = None
    if_none_match: str | None = None
    idempotency: PendingAnswer | None = None

    def caller_team(self) -> str | None:
        """The team whose client calls (looked up from `client_id`), or None."""
        return self.services.client_teams.lookup(self.principal.client_id)

    def version_condition(self) -> Condition:
        """The store condition that `If-Match` asks for (None when the header is absent)."""
        if self.if_match is None:
            return None
        if self.if_match.strip() == "*":
            return MustExist()
        return VersionIs(parse_etag(self.if_match))

    def check_version(self, current: int) -> None:
        """Fail with 412 when `If-Match` names another version than `current`."""
        condition = self.version_condition()
        if isinstance(condition, VersionIs) and condition.version != current:
            raise PreconditionFailed(
                detail=f"the resource is at version {format_etag(current)}, not {self.if_match}"
            )


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an `If-None-Match` value (a list of tags, or `*`) names `etag` (weak or strong)."""
    if if_none_match.strip() == "*":
        return True
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags


def format_etag(version: int) -> str:
    return f'"{version}"'


def parse_etag(value: str) -> int:
    """The version an `If-Match` value names; one that names none can never match (412)."""
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"' and text[1:-1].isdigit():
        return int(text[1:-1])
    raise PreconditionFailed(detail=f"If-Match {value!r} matches no version of the resource")

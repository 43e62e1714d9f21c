"""Repositories on the store port: typed collections, unique indexes, audit and idempotency.

Item layout (one table, partition key / sort key):

    TEAM            / <team_id>             the team (generated `Team` JSON)
    TEAM_NAME       / <name>                unique name -> team_id
    CLIENT          / <client_id>           a team's OAuth client -> team_id
    CLIENT_RETIRED  / <client_id>           client of a deregistered team -> team_id
    BUDGET          / <budget_id>           the budget
    TEAM_BUDGET     / <team_id>             one budget per team -> budget_id
    PRICE           / <provider>#<model>    a price override
    ROUTE           / <rule_id>             a routing rule
    ROUTE_MODEL     / <client model name>   unique client-facing name -> rule_id
    POLICY          / <policy_id>           a scanner policy
    POLICY_NAME     / <name>                unique policy name -> policy_id
    OAUTH_CLIENT    / <client_id>           local identity provider's client (hashed secret)
    AUDIT#<yyyy-mm> / <timestamp>#<id>      audit record of a mutation
    IDEMPOTENCY     / <client_id>#<key>     a create's first answer, kept 24 hours
    USAGE#…, INGESTED, ALERT#…              usage counters, see `usage.py`

Every list is one partition, so pagination is a key range and a cursor is the last sort key.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from controlplane.errors import (
    BadRequest,
    Conflict,
    DomainError,
    FieldProblem,
    NotFound,
    Unprocessable,
)
from controlplane.ids import new_id
from controlplane.serialization import to_jsonable
from controlplane.store.port import (
    Check,
    Condition,
    ConditionFailed,
    Delete,
    MustExist,
    MustNotExist,
    Put,
    Store,
    Write,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Versioned(Generic[M]):
    value: M
    version: int


# Cursors -----------------------------------------------------------------------------------------


def encode_cursor(last_key: str) -> str:
    raw = json.dumps({"k": last_key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded))
        key = decoded["k"]
        if not isinstance(key, str):
            raise TypeError(key)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise BadRequest(
            detail="the cursor is not one this API gave out",
            errors=[FieldProblem("cursor", "is not a cursor from a previous page")],
        ) from exc
    return key


# Collections -------------------------------------------------------------------------------------


class Collection(Generic[M]):
    """The items of one partition, as generated models keyed by one of their fields."""

    def __init__(self, store: Store, partition: str, model: type[M], noun: str) -> None:
        self.store = store
        self.partition = partition
        self.model = model
        self.noun = noun

    def get(self, key: str) -> Versioned[M] | None:
        item = self.store.get(self.partition, key)
        if item is None:
            return None
        return Versioned(self.model.model_validate(item.data), item.version)

    def require(self, key: str) -> Versioned[M]:
        found = self.get(key)
        if found is None:
            raise NotFound(detail=f"no {self.noun} {key}")
        return found

    def page(
        self,
        cursor: str | None,
        limit: int,
        keep: Callable[[M], bool] = lambda _: True,
    ) -> tuple[list[M], str | None]:
        """One page of the models `keep` accepts, and the cursor of the next page."""
        after = decode_cursor(cursor)
        kept: list[M] = []
        while True:
            page = self.store.query(self.partition, after=after, limit=limit - len(kept))
            for item in page.items:
                model = self.model.model_validate(item.data)
                if keep(model):
                    kept.append(model)
            if page.last_key is None:
                return kept, None
            after = page.last_key
            if len(kept) >= limit:
                return kept, encode_cursor(after)

    def all(self) -> list[M]:
        """Every item of the collection, page after page (for renders and price tables)."""
        items: list[M] = []
        cursor = None
        while True:
            page, cursor = self.page(cursor, 100)
            items += page
            if cursor is None:
                return items

    def put(self, key: str, value: M, condition: Condition) -> Put:
        return Put(self.partition, key, to_jsonable(value), condition)

    def delete(self, key: str, condition: Condition = None) -> Delete:
        return Delete(self.partition, key, condition)

    def must_exist(self, key: str) -> Check:
        return Check(self.partition, key, MustExist())


class UniqueIndex:
    """A unique value (team name, rule model name) pointing at the id that holds it."""

    def __init__(self, store: Store, partition: str) -> None:
        self.store = store
        self.partition = partition

    def lookup(self, value: str) -> str | None:
        item = self.store.get(self.partition, value)
        return str(item.data["id"]) if item else None

    def ensure_free(self, value: str, taken: DomainError) -> None:
        """Fail early when the value is taken (the claim in the transaction stays the guard)."""
        if self.lookup(value) is not None:
            raise taken

    def claim(self, value: str, owner: str) -> Put:
        return Put(self.partition, value, {"id": owner}, MustNotExist())

    def release(self, value: str) -> Delete:
        return Delete(self.partition, value)

    def must_be_free(self, value: str) -> Check:
        return Check(self.partition, value, MustNotExist())


# Committing changes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guarded:
    """A write and the error a client gets if its condition does not hold."""

    write: Write
    on_conflict: DomainError | None = None


def commit(store: Store, writes: Sequence[Guarded | Write]) -> None:
    """Apply the writes in one transaction; a failed condition becomes its domain error."""
    guarded = [w if isinstance(w, Guarded) else Guarded(w) for w in writes]
    try:
        store.transact([g.write for g in guarded])
    except ConditionFailed as failed:
        error = guarded[failed.index].on_conflict
        raise error or Conflict(detail="the resource changed at the same time; retry") from failed


def taken(field: str, value: str, noun: str) -> Conflict:
    return Conflict(
        detail=f"{noun} {value!r} already exists",
        errors=[FieldProblem(field, f"{value!r} is already taken")],
    )


def unknown(field: str, value: str, noun: str) -> Unprocessable:
    return Unprocessable(
        detail=f"{field}: no {noun} {value}", errors=[FieldProblem(field, f"no {noun} {value}")]
    )


# Audit -------------------------------------------------------------------------------------------


class AuditLog:
    """Every mutation's record, written in the same transaction as the mutation."""

    def __init__(self, store: Store, now: Callable[[], str]) -> None:
        self.store = store
        self.now = now

    def record(
        self,
        *,
        actor: str,
        action: str,
        resource: str,
        request_id: str,
        before: BaseModel | None,
        after: BaseModel | None,
    ) -> Put:
        at = self.now()
        audit_id = new_id("au")
        data = {
            "audit_id": audit_id,
            "at": at,
            "actor": actor,
            "action": action,
            "resource": resource,
            "request_id": request_id,
            "before": _redacted(before),
            "after": _redacted(after),
        }
        return Put(f"AUDIT#{at[:7]}", f"{at}#{audit_id}", data, MustNotExist())

    def month(self, month: str, limit: int = 1000) -> list[dict[str, Any]]:
        """The records of one month (`yyyy-mm`), oldest first."""
        return [dict(i.data) for i in self.store.query(f"AUDIT#{month}", limit=limit).items]


def _redacted(model: BaseModel | None) -> Any:
    if model is None:
        return None
    data = to_jsonable(model)
    if isinstance(data, dict) and "client_secret" in data:
        data["client_secret"] = "***"  # noqa: S105 - a redaction marker, not a secret
    return data


# Idempotency -------------------------------------------------------------------------------------

_PENDING_SECONDS = 60


@dataclass(frozen=True)
class IdempotencyRecord:
    fingerprint: str
    status: int
    headers: dict[str, str]
    body: str | None


class IdempotencyKeys:
    """Idempotency-Key bookkeeping: reserve, then complete with the answer or abandon.

    A reservation is a pending item that expires after a minute, so a crash between executing
    and completing does not lock the key for a day.
    """

    def __init__(self, store: Store, ttl_seconds: int) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def _sk(client_id: str, key: str) -> str:
        return f"{client_id}#{key}"

    def begin(self, client_id: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
        """Reserve the key; answer the first response when it was already used with this body."""
        sk = self._sk(client_id, key)
        for _ in range(2):
            item = self.store.get("IDEMPOTENCY", sk)
            if item is not None:
                if item.data["fingerprint"] != fingerprint:
                    raise Unprocessable(
                        detail="this Idempotency-Key was used with another request",
                        errors=[FieldProblem("Idempotency-Key", "was used with another request")],
                    )
                if item.data.get("pending"):
                    raise Conflict(detail="a request with this Idempotency-Key is in progress")
                return IdempotencyRecord(
                    fingerprint=item.data["fingerprint"],
                    status=int(item.data["status"]),
                    headers=dict(item.data["headers"]),
                    body=item.data["body"],
                )
            pending = {"fingerprint": fingerprint, "pending": True}
            try:
                self.store.write(
                    Put(
                        "IDEMPOTENCY",
                        sk,
                        pending,
                        MustNotExist(),
                        expires_at=int(time.time()) + _PENDING_SECONDS,
                    )
                )
                return None
            except ConditionFailed:
                continue  # someone reserved it first: read what they wrote
        raise Conflict(detail="a request with this Idempotency-Key is in progress")

    def complete(self, client_id: str, key: str, record: IdempotencyRecord) -> None:
        data = {
            "fingerprint": record.fingerprint,
            "status": record.status,
            "headers": record.headers,
            "body": record.body,
        }
        self.store.write(
            Put(
                "IDEMPOTENCY",
                self._sk(client_id, key),
                data,
                expires_at=int(time.time()) + self.ttl_seconds,
            )
        )

    def abandon(self, client_id: str, key: str) -> None:
        self.store.write(Delete("IDEMPOTENCY", self._sk(client_id, key)))

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
    IDEMPOTENCY     / <client_id>#<key>     a create's first answer (sealed), kept 24 hours
    CLIENT_PENDING  / create#<name>,        an OAuth client being created or deleted, until the
                      delete#<client_id>    identity provider has done it (see team_clients.py)
    USAGE#…, INGESTED, ALERT#…              usage counters, see `usage.py`

Every list is one partition, so pagination is a key range and a cursor is the last sort key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from controlplane.domain.periods import months_ending, next_month
from controlplane.errors import (
    BadRequest,
    Conflict,
    DomainError,
    FieldProblem,
    NotFound,
    Unprocessable,
)
from controlplane.ids import new_id
from controlplane.processes import process_gone, this_process
from controlplane.sealing import SealedValueUnreadable, Sealer
from controlplane.serialization import to_jsonable
from controlplane.store.port import (
    Check,
    Condition,
    ConditionFailed,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Put,
    Store,
    VersionIs,
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
        raise _not_a_cursor() from exc
    return key


def _not_a_cursor() -> BadRequest:
    return BadRequest(
        detail="the cursor is not one this API gave out",
        errors=[FieldProblem("cursor", "is not a cursor from a previous page")],
    )


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


def every_item(store: Store, partition: str) -> Iterator[Item]:
    """Every item of a partition, page after page."""
    after = None
    while True:
        page = store.query(partition, after=after, limit=100)
        yield from page.items
        if page.last_key is None:
            return
        after = page.last_key


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

    def page(
        self,
        cursor: str | None,
        limit: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        keep: Callable[[Mapping[str, Any]], bool] = lambda _: True,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the records `keep` accepts, newest first, made from `since` to `until`
        (both inclusive, to the second), and the cursor of the next page: None once no older
        record can match.

        The log is read backwards from a position: every record whose sort key is below it is
        still to be read. A cursor is the position where a page stopped: the sort key of the last
        record examined, or a month (`yyyy-mm`) once all of that month was. A page reads at most
        AUDIT_READS_PER_PAGE x AUDIT_READ_SIZE records (a month without records costs a read), so
        under a selective filter it may come back short, even empty, with a cursor.
        """
        starts = [next_month(self.now()[:7])]  # the end of this month: nothing is newer
        if cursor is not None:
            starts.append(_audit_position(decode_cursor(cursor)))
        if until is not None:
            starts.append(_utc_second(until)[0] + _AFTER_EVERY_ID)
        position = min(starts)
        lowest: str | None = None
        oldest_month = AUDIT_LOG_FIRST_MONTH
        if since is not None:
            second, exact = _utc_second(since)
            # Records of a second that began before `since` are older than it.
            lowest = second if exact else second + _AFTER_EVERY_ID
            oldest_month = max(oldest_month, lowest[:7])
        kept: list[dict[str, Any]] = []
        for _ in range(AUDIT_READS_PER_PAGE):
            within_month = len(position) > len("yyyy-mm")
            month = position[:7] if within_month else months_ending(position, 2)[0]
            if month < oldest_month:
                return kept, None
            page = self.store.query(
                f"AUDIT#{month}",
                after=position if within_month else None,
                limit=AUDIT_READ_SIZE,
                descending=True,
            )
            for item in page.items:
                if lowest is not None and item.sk < lowest:
                    return kept, None
                position = item.sk
                if keep(item.data):
                    kept.append(dict(item.data))
                    if len(kept) == limit:
                        return kept, encode_cursor(position)
            if page.last_key is None:
                position = month
        return kept, encode_cursor(position)


AUDIT_LOG_FIRST_MONTH = "2026-11"
"""The audit log's first month: records carry the system clock's time and this layout was first
written in November 2026, so no earlier month holds one. Without `since`, pages read back to it."""
AUDIT_READ_SIZE = 100
AUDIT_READS_PER_PAGE = 10
"""A page of the audit log examines at most 10 x 100 records: filters do not make it unbounded."""
_AFTER_EVERY_ID = "$"
"""Sorts right after `#`, which joins a record's time to its id in the sort key: `<time>$` is above
every record of that second and below every later one."""
_AUDIT_POSITION = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])(-.*)?", re.DOTALL)


def _audit_position(key: str | None) -> str:
    """A position from a decoded cursor: a month, or a sort key within one."""
    if key is None or not _AUDIT_POSITION.fullmatch(key):
        raise _not_a_cursor()
    return key


def _utc_second(moment: datetime) -> tuple[str, bool]:
    """The second (UTC) of `moment` as records write times, and whether `moment` is exactly it.

    An offset can carry a moment of year 1 or 9999 past the calendar's end in UTC: it is taken
    at that end, which is before (after) every record all the same.
    """
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        end = datetime.max if moment.year == datetime.max.year else datetime.min
        utc = end.replace(tzinfo=UTC)
    return utc.isoformat(timespec="seconds").replace("+00:00", "Z"), utc.microsecond == 0


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

    A reservation is a pending item that expires after a minute, so a crash between reserving
    and completing does not lock the key for a day. Operations complete it in the transaction
    that commits their change (`completion`), so a committed change always has its answer.

    The answer is sealed (`Sealer`): a registration's answer holds the team's client secret,
    which must not rest in the store in the clear, yet a replay must give it back.
    """

    def __init__(self, store: Store, ttl_seconds: int, sealer: Callable[[], Sealer]) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds
        self._sealer = sealer
        """Called on first use: answers are sealed only when a request carries a key."""

    @staticmethod
    def _sk(client_id: str, key: str) -> str:
        return f"{client_id}#{key}"

    @staticmethod
    def _sealing_context(sk: str) -> dict[str, str]:
        return {"record": f"IDEMPOTENCY/{sk}"}

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
                if not item.data.get("pending"):
                    return self._replay(sk, item.data)
                if not process_gone(item.data.get("owner", "")):
                    raise Conflict(detail="a request with this Idempotency-Key is in progress")
                # Its process died before committing (a commit records the answer): take over.
                condition: Condition = VersionIs(item.version)
            else:
                condition = MustNotExist()
            pending = {"fingerprint": fingerprint, "pending": True, "owner": this_process()}
            try:
                self.store.write(
                    Put(
                        "IDEMPOTENCY",
                        sk,
                        pending,
                        condition,
                        expires_at=int(time.time()) + _PENDING_SECONDS,
                    )
                )
                return None
            except ConditionFailed:
                continue  # someone reserved it first: read what they wrote
        raise Conflict(detail="a request with this Idempotency-Key is in progress")

    def _replay(self, sk: str, data: Mapping[str, Any]) -> IdempotencyRecord:
        try:
            if "sealed" not in data:  # recorded in the clear by an earlier version
                raise SealedValueUnreadable("the answer was not sealed")
            opened = self._sealer().open(data["sealed"], self._sealing_context(sk))
        except SealedValueUnreadable as error:
            raise Conflict(
                detail="the first answer to this Idempotency-Key can no longer be read (its "
                "sealing key changed); use a new key"
            ) from error
        answer = json.loads(opened)
        return IdempotencyRecord(
            fingerprint=data["fingerprint"],
            status=int(answer["status"]),
            headers=dict(answer["headers"]),
            body=answer["body"],
        )

    def completion(self, client_id: str, key: str, record: IdempotencyRecord) -> Put:
        """The write that completes the reservation with `record` (sealed), to commit with the
        change the request made."""
        sk = self._sk(client_id, key)
        answer = {"status": record.status, "headers": record.headers, "body": record.body}
        sealed = self._sealer().seal(
            json.dumps(answer, separators=(",", ":")).encode(), self._sealing_context(sk)
        )
        return Put(
            "IDEMPOTENCY",
            sk,
            {"fingerprint": record.fingerprint, "sealed": sealed},
            expires_at=int(time.time()) + self.ttl_seconds,
        )

    def complete(self, client_id: str, key: str, record: IdempotencyRecord) -> None:
        self.store.write(self.completion(client_id, key, record))

    def abandon(self, client_id: str, key: str) -> None:
        """Release the reservation after the request failed, unless its answer was recorded:
        a change that committed before the failure (a timeout whose write went through) keeps
        its answer, so a retry replays it instead of running the operation again."""
        sk = self._sk(client_id, key)
        item = self.store.get("IDEMPOTENCY", sk)
        if item is None or not item.data.get("pending"):
            return
        # Only this reservation: not an answer recorded meanwhile, nor a newer reservation.
        with contextlib.suppress(ConditionFailed):
            self.store.write(Delete("IDEMPOTENCY", sk, VersionIs(item.version)))

"""The store port: the few operations every resource needs, over (partition key, sort key) items.

Two adapters implement it, SQLite (embedded, local default) and DynamoDB. Both pass the same
test suite (`tests/store/test_store_contract.py`). Adapters translate backend failures into the
errors below, so repositories and handlers never see sqlite3 or botocore exceptions.

Every item has a `version` that starts at 1 and grows by one on each conditional put; it is the
resource's ETag. Counters are numeric attributes that `Add` increments atomically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from controlplane.errors import Unavailable

Number = int | Decimal


@dataclass(frozen=True)
class Item:
    pk: str
    sk: str
    data: Mapping[str, Any]
    version: int
    counters: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    items: list[Item]
    last_key: str | None
    """Sort key of the last item (in the order read) when more may follow; None when the
    partition is exhausted."""


# Conditions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MustNotExist:
    pass


@dataclass(frozen=True)
class MustExist:
    pass


@dataclass(frozen=True)
class VersionIs:
    version: int


Condition = MustNotExist | MustExist | VersionIs | None


# Writes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Put:
    """Write an item whole. The new version is the expected one plus one (1 for a new item)."""

    pk: str
    sk: str
    data: Mapping[str, Any]
    condition: Condition = None
    expires_at: int | None = None
    """Epoch seconds after which the item is gone (DynamoDB TTL; filtered on read by both)."""


@dataclass(frozen=True)
class Delete:
    pk: str
    sk: str
    condition: Condition = None


@dataclass(frozen=True)
class Check:
    """Assert a condition on an item without writing it (DynamoDB ConditionCheck)."""

    pk: str
    sk: str
    condition: Condition


@dataclass(frozen=True)
class Add:
    """Atomically add to numeric counters, creating the item (and counters at 0) if needed."""

    pk: str
    sk: str
    counters: Mapping[str, Number]


Write = Put | Delete | Check | Add

MAX_TRANSACTION_ITEMS = 100
"""DynamoDB's limit; both adapters refuse larger transactions so behaviour is the same."""


# Errors ------------------------------------------------------------------------------------------


class StoreError(Exception):
    """Base of the store's own errors."""


@dataclass
class ConditionFailed(StoreError):
    """A write's condition did not hold; nothing of the write (or transaction) was applied."""

    index: int
    """Position of the failing write in the transaction (0 for a single write)."""
    write: Write

    def __str__(self) -> str:
        return f"condition failed on {self.write.pk}/{self.write.sk} (write {self.index})"


class StoreUnavailable(Unavailable):
    """The backend cannot be reached or is throttling; nothing was changed."""


# The port --------------------------------------------------------------------------------------


class Store(Protocol):
    def get(self, pk: str, sk: str) -> Item | None:
        """The item, or None."""
        ...

    def query(
        self, pk: str, *, after: str | None = None, limit: int = 100, descending: bool = False
    ) -> Page:
        """Items of a partition in sort-key order, strictly after `after`, at most `limit`.

        `descending` reads the partition backwards: from its greatest sort key, strictly below
        `after`; `last_key` is then the smallest key of the page."""
        ...

    def write(self, op: Write) -> None:
        """One conditional write; raises ConditionFailed(0, op) if its condition does not hold."""
        ...

    def transact(self, ops: Sequence[Write]) -> None:
        """All writes or none; raises ConditionFailed naming the first write that failed."""
        ...

    def close(self) -> None: ...


def check_transaction(ops: Sequence[Write]) -> None:
    """Refuse what DynamoDB refuses: too many items, or one item twice in a transaction."""
    if len(ops) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} writes")
    keys = [(op.pk, op.sk) for op in ops]
    if any(not pk or not sk for pk, sk in keys):
        raise ValueError("partition and sort keys must be non-empty strings")
    if len(set(keys)) != len(keys):
        raise ValueError("a transaction may name each item once")

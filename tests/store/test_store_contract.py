"""The store port's contract: one suite, run against every adapter (SQLite and DynamoDB on moto).

Both adapters must behave the same; the suite found three SQLite bugs (writes over expired items,
empty keys) that are fixed and stay covered here.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from controlplane.errors import Unavailable
from controlplane.store.dynamodb import DynamoDbStore, create_table
from controlplane.store.port import (
    MAX_TRANSACTION_ITEMS,
    Add,
    Check,
    ConditionFailed,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Page,
    Put,
    Store,
    StoreUnavailable,
    VersionIs,
    Write,
)
from controlplane.store.sqlite import SqliteStore
from tests.store.conftest import REGION, TABLE, THREADS


def reopen(store: Store) -> Store:
    """Another store on the same backing: the same SQLite file, or the same table."""
    if isinstance(store, SqliteStore):
        return SqliteStore(store.path)
    assert isinstance(store, DynamoDbStore)
    return DynamoDbStore(store.table_name, client=store.client)


def put(store: Store, sk: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Item:
    """Put an item into partition `p` and read it back."""
    store.write(Put("p", sk, data if data is not None else {"name": sk}, **kwargs))
    item = store.get("p", sk)
    assert item is not None
    return item


def collect(store: Store, pk: str, *, limit: int) -> tuple[list[str], int]:
    """Every sort key of a partition, page after page; and the number of pages."""
    keys: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = store.query(pk, after=after, limit=limit)
        pages += 1
        assert len(page.items) <= limit
        keys.extend(item.sk for item in page.items)
        if page.last_key is None:
            return keys, pages
        assert page.last_key == page.items[-1].sk
        after = page.last_key


def now() -> int:
    return int(time.time())


# Reads and versions -------------------------------------------------------------------------------


def test_get_of_a_missing_item_is_none(store: Store) -> None:
    assert store.get("p", "nothing") is None


def test_put_creates_at_version_one_and_each_put_adds_one(store: Store) -> None:
    # WHEN an item is put, then put again
    first = put(store, "a", {"n": 1})
    second = put(store, "a", {"n": 2})

    # THEN its version starts at 1 and grows by one; the data is replaced whole
    assert first == Item(pk="p", sk="a", data={"n": 1}, version=1, counters={})
    assert second.version == 2
    assert second.data == {"n": 2}


def test_data_round_trips_as_json(store: Store) -> None:
    data = {
        "text": 'grüße, 日本, "quoted" \\ slash',
        "int": 12345678901234567,
        "float": 0.1,
        "bool": True,
        "none": None,
        "list": [1, "two", {"three": [3]}],
        "nested": {"z": 1, "a": {"b": []}},
    }
    assert put(store, "json", data).data == data


def test_get_does_not_confuse_keys(store: Store) -> None:
    keys = [("p", "a"), ("q", "a"), ("p", "ab")]
    for pk, sk in keys:
        store.write(Put(pk, sk, {"which": f"{pk}/{sk}"}))
    for pk, sk in keys:
        assert store.get(pk, sk) == Item(pk, sk, {"which": f"{pk}/{sk}"}, 1)
    assert store.get("p", "b") is None
    assert store.get("q", "ab") is None


# Conditions ---------------------------------------------------------------------------------------


def test_must_not_exist_creates_a_missing_item(store: Store) -> None:
    store.write(Put("p", "a", {"n": 1}, condition=MustNotExist()))
    assert store.get("p", "a") == Item("p", "a", {"n": 1}, 1)


def test_must_not_exist_fails_on_an_existing_item(store: Store) -> None:
    # GIVEN an item
    put(store, "a", {"n": 1})
    op = Put("p", "a", {"n": 2}, condition=MustNotExist())

    # WHEN it is put again on condition it does not exist
    with pytest.raises(ConditionFailed) as failed:
        store.write(op)

    # THEN the write is refused, named, and nothing changed
    assert failed.value.index == 0
    assert failed.value.write == op
    assert store.get("p", "a") == Item("p", "a", {"n": 1}, 1)


def test_version_is_succeeds_on_the_current_version(store: Store) -> None:
    put(store, "a", {"n": 1})
    put(store, "a", {"n": 2})
    store.write(Put("p", "a", {"n": 3}, condition=VersionIs(2)))
    assert store.get("p", "a") == Item("p", "a", {"n": 3}, 3)


@pytest.mark.parametrize("stale", [0, 1, 3])
def test_version_is_fails_on_another_version(store: Store, stale: int) -> None:
    # GIVEN an item at version 2
    put(store, "a", {"n": 1})
    put(store, "a", {"n": 2})

    # WHEN a put expects another version
    with pytest.raises(ConditionFailed) as failed:
        store.write(Put("p", "a", {"n": 99}, condition=VersionIs(stale)))

    # THEN it is refused and the item keeps its data and version
    assert failed.value.index == 0
    assert store.get("p", "a") == Item("p", "a", {"n": 2}, 2)


def test_version_is_fails_on_a_missing_item(store: Store) -> None:
    with pytest.raises(ConditionFailed):
        store.write(Put("p", "a", {}, condition=VersionIs(1)))
    assert store.get("p", "a") is None


def test_must_exist_updates_an_existing_item(store: Store) -> None:
    put(store, "a", {"n": 1})
    store.write(Put("p", "a", {"n": 2}, condition=MustExist()))
    assert store.get("p", "a") == Item("p", "a", {"n": 2}, 2)


def test_must_exist_fails_on_a_missing_item(store: Store) -> None:
    op = Put("p", "a", {"n": 1}, condition=MustExist())
    with pytest.raises(ConditionFailed) as failed:
        store.write(op)
    assert (failed.value.index, failed.value.write) == (0, op)
    assert store.get("p", "a") is None


def test_condition_failed_names_the_item(store: Store) -> None:
    op = Put("p", "a", {}, condition=MustExist())
    with pytest.raises(ConditionFailed, match=r"p/a \(write 0\)"):
        store.write(op)


# Deletes ------------------------------------------------------------------------------------------


def test_delete_without_condition_removes_the_item_and_ignores_a_missing_one(store: Store) -> None:
    put(store, "a")
    store.write(Delete("p", "a"))
    assert store.get("p", "a") is None
    store.write(Delete("p", "a"))  # no error: deleting nothing is fine
    assert store.get("p", "a") is None


def test_delete_with_a_failing_condition_keeps_the_item(store: Store) -> None:
    put(store, "a")
    op = Delete("p", "a", condition=VersionIs(7))
    with pytest.raises(ConditionFailed) as failed:
        store.write(op)
    assert (failed.value.index, failed.value.write) == (0, op)
    assert store.get("p", "a") is not None


def test_delete_with_a_holding_condition_removes_the_item(store: Store) -> None:
    put(store, "a")
    put(store, "b")
    store.write(Delete("p", "a", condition=VersionIs(1)))
    store.write(Delete("p", "b", condition=MustExist()))
    assert store.get("p", "a") is None
    assert store.get("p", "b") is None


def test_delete_must_exist_fails_on_a_missing_item(store: Store) -> None:
    with pytest.raises(ConditionFailed):
        store.write(Delete("p", "a", condition=MustExist()))


def test_a_deleted_item_comes_back_at_version_one(store: Store) -> None:
    put(store, "a")
    put(store, "a")
    store.write(Delete("p", "a"))
    assert put(store, "a", condition=MustNotExist()).version == 1


# Checks and transactions --------------------------------------------------------------------------


def test_check_alone_passes_or_fails_and_writes_nothing(store: Store) -> None:
    put(store, "a")
    store.write(Check("p", "a", VersionIs(1)))
    store.write(Check("p", "missing", MustNotExist()))
    store.write(Check("p", "a", None))
    with pytest.raises(ConditionFailed) as failed:
        store.write(Check("p", "a", VersionIs(2)))
    assert failed.value.index == 0
    assert store.get("p", "a") == Item("p", "a", {"name": "a"}, 1)
    assert store.get("p", "missing") is None


def test_check_guards_a_transaction(store: Store) -> None:
    # GIVEN a parent item at version 1
    put(store, "parent")

    # WHEN a child is written on condition the parent is unchanged
    store.transact([Check("p", "parent", VersionIs(1)), Put("p", "child", {"n": 1})])

    # THEN the child is written and the parent is untouched
    assert store.get("p", "child") == Item("p", "child", {"n": 1}, 1)
    assert store.get("p", "parent") == Item("p", "parent", {"name": "parent"}, 1)

    # WHEN the parent has moved on
    put(store, "parent")
    with pytest.raises(ConditionFailed) as failed:
        store.transact([Put("p", "child", {"n": 2}), Check("p", "parent", VersionIs(1))])

    # THEN nothing of the transaction is applied
    assert failed.value.index == 1
    assert store.get("p", "child") == Item("p", "child", {"n": 1}, 1)


def test_transaction_applies_every_kind_of_write(store: Store) -> None:
    put(store, "old")
    put(store, "kept")
    store.transact(
        [
            Put("p", "new", {"n": 1}, condition=MustNotExist()),
            Delete("p", "old", condition=VersionIs(1)),
            Add("p", "counted", {"tokens": 5}),
            Put("p", "kept", {"n": 2}, condition=VersionIs(1)),
            Check("p", "missing", MustNotExist()),
        ]
    )
    assert store.get("p", "new") == Item("p", "new", {"n": 1}, 1)
    assert store.get("p", "old") is None
    assert store.get("p", "counted") == Item("p", "counted", {}, 0, {"tokens": Decimal(5)})
    assert store.get("p", "kept") == Item("p", "kept", {"n": 2}, 2)


def test_transaction_is_all_or_nothing(store: Store) -> None:
    # GIVEN an existing item
    put(store, "taken")
    ops: list[Write] = [
        Put("p", "first", {"n": 1}),
        Put("p", "taken", {"n": 2}, condition=MustNotExist()),
        Add("p", "counter", {"n": 1}),
    ]

    # WHEN the second write's condition fails
    with pytest.raises(ConditionFailed) as failed:
        store.transact(ops)

    # THEN it is named, and neither the first nor the third write happened
    assert failed.value.index == 1
    assert failed.value.write == ops[1]
    assert store.get("p", "first") is None
    assert store.get("p", "counter") is None
    assert store.get("p", "taken") == Item("p", "taken", {"name": "taken"}, 1)


def test_transaction_names_the_first_failing_write(store: Store) -> None:
    put(store, "a")
    ops: list[Write] = [
        Put("p", "fine", {}),
        Put("p", "b", {}, condition=MustExist()),
        Put("p", "a", {}, condition=MustNotExist()),
    ]
    with pytest.raises(ConditionFailed) as failed:
        store.transact(ops)
    assert failed.value.index == 1


def test_transaction_of_the_maximum_size_is_accepted(store: Store) -> None:
    store.transact([Put("p", f"k{i:03}", {"i": i}) for i in range(MAX_TRANSACTION_ITEMS)])
    assert len(store.query("p", limit=1000).items) == MAX_TRANSACTION_ITEMS


def test_transaction_of_more_than_100_writes_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="at most 100"):
        store.transact([Put("p", f"k{i:03}", {}) for i in range(MAX_TRANSACTION_ITEMS + 1)])
    assert store.get("p", "k000") is None


def test_transaction_naming_an_item_twice_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="once"):
        store.transact([Put("p", "a", {}), Add("p", "a", {"n": 1})])
    assert store.get("p", "a") is None


def test_empty_transaction_does_nothing(store: Store) -> None:
    store.transact([])
    assert store.query("p").items == []


# Counters -----------------------------------------------------------------------------------------


def test_add_creates_a_missing_item_at_version_zero(store: Store) -> None:
    store.write(Add("p", "usage", {"tokens": 10, "cost": Decimal("0.25")}))
    assert store.get("p", "usage") == Item(
        "p", "usage", {}, 0, {"tokens": Decimal(10), "cost": Decimal("0.25")}
    )


def test_add_increments_exactly(store: Store) -> None:
    # GIVEN counters
    store.write(Add("p", "usage", {"tokens": 10, "cost": Decimal("0.1")}))

    # WHEN more is added, to existing and to new counters, negative amounts included
    store.write(Add("p", "usage", {"tokens": 5, "cost": Decimal("0.2"), "requests": 1}))
    store.write(Add("p", "usage", {"tokens": -3}))
    store.write(Add("p", "usage", {}))

    # THEN the sums are exact decimals (0.1 + 0.2 is 0.3, not 0.30000000000000004)
    item = store.get("p", "usage")
    assert item is not None
    assert item.counters == {
        "tokens": Decimal(12),
        "cost": Decimal("0.3"),
        "requests": Decimal(1),
    }
    assert all(isinstance(value, Decimal) for value in item.counters.values())
    assert (item.version, item.data) == (0, {})


def test_add_keeps_small_and_large_amounts_exact(store: Store) -> None:
    # (Not below 1E-6: moto writes such sums as "1E-7" and then cannot add to them.)
    store.write(Add("p", "usage", {"micro": Decimal("1E-6"), "big": 10**20}))
    store.write(Add("p", "usage", {"micro": Decimal("0.0000025"), "big": 1}))
    item = store.get("p", "usage")
    assert item is not None
    assert item.counters == {"micro": Decimal("0.0000035"), "big": Decimal(10**20 + 1)}


def test_concurrent_adds_are_all_counted(store: Store) -> None:
    # GIVEN 8 threads, each with its own store on the same backing
    stores = [reopen(store) for _ in range(THREADS)]
    amount = Decimal("0.000001")
    # (moto takes ~10 ms a request, so DynamoDB gets fewer: each Add is one request anyway.)
    adds = 1000 if isinstance(store, SqliteStore) else 200

    def add(index: int) -> None:
        stores[index % THREADS].write(Add("p", "usage", {"cost": amount, "requests": 1}))

    # WHEN they add 1000 times
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(add, range(adds)))
    finally:
        for opened in stores:
            opened.close()

    # THEN no increment is lost or rounded
    item = store.get("p", "usage")
    assert item is not None
    expected = Decimal("0.001000") if adds == 1000 else Decimal("0.000200")
    assert item.counters == {"cost": expected, "requests": Decimal(adds)}


def test_put_keeps_counters(store: Store) -> None:
    # GIVEN an item made by Add
    store.write(Add("p", "usage", {"tokens": 7}))

    # WHEN it is put (twice)
    store.write(Put("p", "usage", {"owner": "team-1"}, condition=VersionIs(0)))
    store.write(Put("p", "usage", {"owner": "team-2"}, condition=MustExist()))

    # THEN the counters survive and the version counts the puts
    assert store.get("p", "usage") == Item(
        "p", "usage", {"owner": "team-2"}, 2, {"tokens": Decimal(7)}
    )


def test_add_keeps_data_and_version(store: Store) -> None:
    put(store, "budget", {"limit": 100})
    store.write(Add("p", "budget", {"spent": 3}))
    assert store.get("p", "budget") == Item("p", "budget", {"limit": 100}, 1, {"spent": Decimal(3)})


def test_must_not_exist_fails_on_an_item_made_by_add(store: Store) -> None:
    store.write(Add("p", "usage", {"n": 1}))
    with pytest.raises(ConditionFailed):
        store.write(Put("p", "usage", {}, condition=MustNotExist()))


# Queries ------------------------------------------------------------------------------------------


def test_query_returns_a_partition_in_sort_key_order(store: Store) -> None:
    # GIVEN items written out of order, with keys that sort differently by case and code point
    keys = ["b", "a", "B", "a#2", "a#10", "é", "z", "0", "a#1"]
    for key in keys:
        store.write(Put("p", key, {"key": key}))

    # WHEN the partition is read
    page = store.query("p")

    # THEN it comes in UTF-8 byte order, whole, with the data
    assert [item.sk for item in page.items] == sorted(keys, key=lambda k: k.encode())
    assert all(item.data == {"key": item.sk} and item.pk == "p" for item in page.items)
    assert page.last_key is None


def test_query_of_an_empty_partition(store: Store) -> None:
    assert store.query("nothing") == Page(items=[], last_key=None)


def test_query_after_starts_strictly_after(store: Store) -> None:
    for key in ["a", "b", "c", "d"]:
        put(store, key)
    assert [i.sk for i in store.query("p", after="b").items] == ["c", "d"]
    assert [i.sk for i in store.query("p", after="bb").items] == ["c", "d"]
    assert [i.sk for i in store.query("p", after="0").items] == ["a", "b", "c", "d"]
    assert store.query("p", after="d") == Page(items=[], last_key=None)


def test_query_pages_through_a_large_partition(store: Store) -> None:
    # GIVEN 250 items in one partition, and neighbours that must not leak in
    keys = [f"item#{i:04}" for i in range(250)]
    for chunk in range(0, 250, 50):
        store.transact([Put("p", key, {"key": key}) for key in keys[chunk : chunk + 50]])
    for neighbour in ["o", "p#", "p2", "q", "P"]:
        store.transact([Put(neighbour, "item#0000", {}), Put(neighbour, "zzz", {})])

    for limit in [30, 100, 249, 250, 251]:
        # WHEN every page is collected
        collected, pages = collect(store, "p", limit=limit)

        # THEN every item comes exactly once, in order, in as few pages as the limit allows
        assert collected == keys, f"limit {limit}"
        assert pages == -(-250 // limit), f"limit {limit}"


def test_query_says_when_more_may_follow(store: Store) -> None:
    for key in ["a", "b", "c"]:
        put(store, key)
    assert store.query("p", limit=2) == Page(
        items=[store.get("p", "a"), store.get("p", "b")],  # type: ignore[list-item]
        last_key="b",
    )
    # Exactly `limit` items left: the partition is exhausted, so no last key.
    assert store.query("p", limit=3).last_key is None
    assert store.query("p", after="a", limit=2).last_key is None


def test_a_descending_query_reads_backwards_strictly_below_after(store: Store) -> None:
    # GIVEN a partition, an expired item in it, and a neighbour that must not leak in
    for key in ["a", "b", "c", "d"]:
        put(store, key)
    store.write(Put("p", "bb", {}, expires_at=now() - 10))
    store.write(Put("q", "e", {}))

    # THEN it comes greatest key first, below `after` when given, in pages ending at last_key
    assert [i.sk for i in store.query("p", descending=True).items] == ["d", "c", "b", "a"]
    assert [i.sk for i in store.query("p", after="c", descending=True).items] == ["b", "a"]
    assert [i.sk for i in store.query("p", after="bz", descending=True).items] == ["b", "a"]
    assert store.query("p", after="a", descending=True) == Page(items=[], last_key=None)
    first = store.query("p", limit=2, descending=True)
    assert ([i.sk for i in first.items], first.last_key) == (["d", "c"], "c")
    rest = store.query("p", after=first.last_key, limit=2, descending=True)
    assert ([i.sk for i in rest.items], rest.last_key) == (["b", "a"], None)


def test_query_returns_counters_and_versions(store: Store) -> None:
    put(store, "a")
    put(store, "a")
    store.write(Add("p", "b", {"n": Decimal("1.5")}))
    assert store.query("p").items == [
        Item("p", "a", {"name": "a"}, 2),
        Item("p", "b", {}, 0, {"n": Decimal("1.5")}),
    ]


# Expiry -------------------------------------------------------------------------------------------


def test_an_expired_item_is_gone(store: Store) -> None:
    # GIVEN an expired item between two live ones (one with a future expiry)
    put(store, "a")
    store.write(Put("p", "b", {"n": 1}, expires_at=now() - 10))
    put(store, "c", expires_at=now() + 3600)

    # THEN reads do not see it
    assert store.get("p", "b") is None
    assert [item.sk for item in store.query("p").items] == ["a", "c"]
    assert [item.sk for item in store.query("p", limit=1, after="a").items] == ["c"]
    assert store.get("p", "c") is not None


def test_expiry_now_counts_as_expired(store: Store) -> None:
    store.write(Put("p", "a", {}, expires_at=now()))
    assert store.get("p", "a") is None


def test_conditions_treat_an_expired_item_as_absent(store: Store) -> None:
    # GIVEN an expired item
    store.write(Put("p", "a", {"n": 1}, expires_at=now() + 3600))
    store.write(Put("p", "a", {"n": 1}, expires_at=now() - 10))  # version 2, if it lingers

    # THEN conditions that need it fail, and one that needs it absent holds
    for condition in [MustExist(), VersionIs(1), VersionIs(2)]:
        with pytest.raises(ConditionFailed):
            store.write(Put("p", "a", {}, condition=condition))
        with pytest.raises(ConditionFailed):
            store.write(Check("p", "a", condition))
        with pytest.raises(ConditionFailed):
            store.write(Delete("p", "a", condition=condition))
    store.write(Check("p", "a", MustNotExist()))

    # WHEN it is put on condition it does not exist
    store.write(Put("p", "a", {"n": 2}, condition=MustNotExist()))

    # THEN it is new: version 1, no expiry
    assert store.get("p", "a") == Item("p", "a", {"n": 2}, 1)


def test_must_not_exist_over_an_expired_item_in_a_transaction(store: Store) -> None:
    store.write(Put("p", "a", {"n": 1}, expires_at=now() - 10))
    store.write(Put("p", "b", {"n": 1}, expires_at=now() - 10))
    store.transact(
        [
            Put("p", "a", {"n": 2}, condition=MustNotExist()),
            Put("p", "b", {"n": 2}),
            Check("p", "c", MustNotExist()),
        ]
    )
    assert store.get("p", "a") == Item("p", "a", {"n": 2}, 1)
    assert store.get("p", "b") == Item("p", "b", {"n": 2}, 1)


def test_items_expire_when_their_time_comes_and_a_put_without_expiry_clears_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two items that expire in 100 s, one of which is then put again without expiry
    start = now()
    store.write(Put("p", "expiring", {}, expires_at=start + 100))
    store.write(Put("p", "kept", {}, expires_at=start + 100))
    store.write(Put("p", "kept", {"again": True}))
    store.write(Add("p", "kept", {"n": 1}))  # an add leaves the expiry as the put left it:
    store.write(Add("p", "expiring", {"n": 1}))  # none here, 100 s there
    assert [item.sk for item in store.query("p").items] == ["expiring", "kept"]

    # WHEN the clock passes that time
    monkeypatch.setattr(time, "time", lambda: start + 1000.0)

    # THEN only the item put without expiry is left
    assert store.get("p", "expiring") is None
    assert store.get("p", "kept") == Item("p", "kept", {"again": True}, 2, {"n": Decimal(1)})
    assert [item.sk for item in store.query("p").items] == ["kept"]


def test_put_over_an_expired_item_drops_its_counters(
    store: Store, request: pytest.FixtureRequest
) -> None:
    # GIVEN an item with counters that then expires
    store.write(Add("p", "usage", {"tokens": 5}))
    store.write(Put("p", "usage", {}, expires_at=now() - 10))
    assert store.get("p", "usage") is None

    # WHEN a new item is put in its place
    store.write(Put("p", "usage", {"new": True}, condition=MustNotExist()))

    # THEN it starts afresh: version 1 and no counters
    assert store.get("p", "usage") == Item("p", "usage", {"new": True}, 1, {})


def test_add_over_an_expired_item_creates_it_afresh(
    store: Store, request: pytest.FixtureRequest
) -> None:
    # GIVEN an item with counters that then expires
    store.write(Add("p", "usage", {"tokens": 5}))
    store.write(Put("p", "usage", {"old": True}, expires_at=now() - 10))

    # WHEN counters are added twice
    store.write(Add("p", "usage", {"tokens": 1}))
    store.write(Add("p", "usage", {"tokens": 2}))

    # THEN the item exists again, as Add makes a new one: version 0, no data, only the new sums
    assert store.get("p", "usage") == Item("p", "usage", {}, 0, {"tokens": Decimal(3)})


# Concurrency --------------------------------------------------------------------------------------


def test_concurrent_creates_of_one_item_let_exactly_one_win(store: Store) -> None:
    # GIVEN 8 threads, each with its own store on the same file or table, released together
    stores = [reopen(store) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def create(index: int) -> bool:
        barrier.wait()
        try:
            stores[index].write(Put("p", "only", {"winner": index}, condition=MustNotExist()))
        except ConditionFailed:
            return False
        return True

    # WHEN they all create the same item
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            outcomes = list(pool.map(create, range(THREADS)))
    finally:
        for opened in stores:
            opened.close()

    # THEN exactly one succeeds, and its write is the one stored
    assert outcomes.count(True) == 1
    assert store.get("p", "only") == Item("p", "only", {"winner": outcomes.index(True)}, 1)


def test_concurrent_versioned_updates_lose_nothing(store: Store) -> None:
    # GIVEN an item, and 8 threads each incrementing it 5 times with optimistic locking
    put(store, "doc", {"n": 0})
    stores = [reopen(store) for _ in range(THREADS)]

    def increment(index: int) -> None:
        done = 0
        while done < 5:
            item = stores[index].get("p", "doc")
            assert item is not None
            try:
                stores[index].write(
                    Put("p", "doc", {"n": item.data["n"] + 1}, condition=VersionIs(item.version))
                )
            except ConditionFailed:
                continue
            done += 1

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(increment, range(THREADS)))
    finally:
        for opened in stores:
            opened.close()

    # THEN every increment counted, and the version counts every put
    assert store.get("p", "doc") == Item("p", "doc", {"n": 40}, 41)


# Keys ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("pk", "sk"), [("p", ""), ("", "a")])
def test_empty_keys_are_refused(
    store: Store, request: pytest.FixtureRequest, pk: str, sk: str
) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        store.write(Put(pk, sk, {}))


# DynamoDB only ------------------------------------------------------------------------------------


def test_dynamodb_item_layout(moto_client: Any) -> None:
    # GIVEN an item written through the adapter
    store = DynamoDbStore(TABLE, client=moto_client)
    store.write(Put("p", "a", {"b": 1, "a": [True]}, expires_at=2_000_000_000))
    store.write(Add("p", "a", {"tokens": 3, "cost": Decimal("0.5")}))

    # THEN the table holds the documented attributes
    raw = moto_client.get_item(TableName=TABLE, Key={"pk": {"S": "p"}, "sk": {"S": "a"}})["Item"]
    assert raw == {
        "pk": {"S": "p"},
        "sk": {"S": "a"},
        "data": {"S": '{"a":[true],"b":1}'},
        "version": {"N": "1"},
        "expires_at": {"N": "2000000000"},
        "c_tokens": {"N": "3"},
        "c_cost": {"N": "0.5"},
    }
    assert json.loads(raw["data"]["S"]) == {"a": [True], "b": 1}

    # WHEN it is put again without expiry
    store.write(Put("p", "a", {}))

    # THEN the TTL attribute is removed, the version grows, and the counters stay
    raw = moto_client.get_item(TableName=TABLE, Key={"pk": {"S": "p"}, "sk": {"S": "a"}})["Item"]
    assert "expires_at" not in raw
    assert (raw["data"], raw["version"], raw["c_tokens"]) == ({"S": "{}"}, {"N": "2"}, {"N": "3"})


def test_dynamodb_store_makes_its_own_client(moto_client: Any) -> None:
    store = DynamoDbStore(TABLE, region=REGION)
    store.write(Put("p", "a", {"n": 1}))
    assert store.get("p", "a") == Item("p", "a", {"n": 1}, 1)
    store.close()


def test_create_table_is_idempotent_and_enables_ttl(moto_client: Any) -> None:
    create_table(moto_client, TABLE)  # a second time: no error
    table = moto_client.describe_table(TableName=TABLE)["Table"]
    ttl = moto_client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]} == {
        ("pk", "HASH"),
        ("sk", "RANGE"),
    }
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


def _every_operation(store: Store) -> list[Callable[[], object]]:
    return [
        lambda: store.get("p", "a"),
        lambda: store.query("p"),
        lambda: store.write(Put("p", "a", {})),
        lambda: store.write(Put("p", "a", {}, condition=MustNotExist())),
        lambda: store.write(Delete("p", "a")),
        lambda: store.write(Add("p", "a", {"n": 1})),
        lambda: store.write(Check("p", "a", MustExist())),
        lambda: store.transact([Put("p", "a", {}), Delete("p", "b")]),
    ]


def test_dynamodb_missing_table_is_unavailable(moto_client: Any) -> None:
    # GIVEN a store pointed at a table that does not exist
    store = DynamoDbStore("no-such-table", client=moto_client)

    # THEN every operation raises StoreUnavailable (a 503), not a botocore error
    for operation in _every_operation(store):
        with pytest.raises(StoreUnavailable, match="table does not exist") as raised:
            operation()
        assert isinstance(raised.value, Unavailable)
        assert raised.value.status == 503


def test_dynamodb_unreachable_endpoint_is_unavailable(aws_credentials: None) -> None:
    # GIVEN an endpoint nobody listens on (no moto here: a real connection attempt)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=f"http://127.0.0.1:{port}",
        config=Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1}),
    )
    store = DynamoDbStore(TABLE, client=client)

    # THEN the connection error becomes StoreUnavailable
    for operation in _every_operation(store)[:3]:
        with pytest.raises(StoreUnavailable, match="EndpointConnectionError"):
            operation()


@pytest.mark.parametrize(
    ("code", "extra"),
    [
        ("ProvisionedThroughputExceededException", {}),
        ("ThrottlingException", {}),
        ("RequestLimitExceeded", {}),
        ("InternalServerError", {}),
        ("ValidationException", {}),
        (
            "TransactionCanceledException",
            {"CancellationReasons": [{"Code": "ThrottlingError"}, {"Code": "None"}]},
        ),
        (
            "TransactionCanceledException",
            {"CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]},
        ),
    ],
)
def test_dynamodb_errors_become_store_unavailable(
    boto3_client: Any, code: str, extra: dict[str, Any]
) -> None:
    # GIVEN DynamoDB answering every request with an error (Stubber: no request leaves)
    store = DynamoDbStore(TABLE, client=boto3_client)
    stubber = Stubber(boto3_client)
    operations = {
        "get_item": lambda: store.get("p", "a"),
        "query": lambda: store.query("p"),
        "update_item": lambda: store.write(Put("p", "a", {})),
        "delete_item": lambda: store.write(Delete("p", "a")),
        "transact_write_items": lambda: store.transact([Put("p", "a", {}), Add("p", "b", {})]),
    }
    for method in operations:
        stubber.add_client_error(method, service_error_code=code, modeled_fields=extra)

    # THEN each becomes StoreUnavailable
    with stubber:
        for operation in operations.values():
            with pytest.raises(StoreUnavailable):
                operation()
    stubber.assert_no_pending_responses()


def test_dynamodb_cancellation_names_the_failing_write(boto3_client: Any) -> None:
    # GIVEN DynamoDB cancelling a transaction on its third write's condition
    store = DynamoDbStore(TABLE, client=boto3_client)
    ops: list[Write] = [
        Put("p", "a", {}, condition=VersionIs(1)),
        Delete("p", "b"),
        Check("p", "c", MustExist()),
    ]
    with Stubber(boto3_client) as stubber:
        stubber.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            modeled_fields={
                "CancellationReasons": [
                    {"Code": "None"},
                    {"Code": "TransactionConflict"},
                    {"Code": "ConditionalCheckFailed"},
                ]
            },
        )

        # THEN the adapter raises ConditionFailed for that write
        with pytest.raises(ConditionFailed) as failed:
            store.transact(ops)
    assert (failed.value.index, failed.value.write) == (2, ops[2])


def test_botocore_errors_never_escape(boto3_client: Any) -> None:
    store = DynamoDbStore(TABLE, client=boto3_client)
    with Stubber(boto3_client) as stubber:
        stubber.add_client_error("get_item", "SomethingNew", http_status_code=500)
        with pytest.raises(StoreUnavailable, match="SomethingNew") as raised:
            store.get("p", "a")
    assert isinstance(raised.value.__cause__, ClientError)

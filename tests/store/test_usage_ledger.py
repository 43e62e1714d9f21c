"""The usage ledger on both adapters: exactly once, chunked, concurrent, zero-filled history."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from controlplane.store.port import Store, StoreUnavailable, Write
from controlplane.store.usage import Counters, UsageIncrement, UsageLedger
from tests.store.conftest import THREADS

AT = "2026-11-22T10:00:00Z"


def increment(
    team: str = "tm_a", model: str = "claude-sonnet-4", month: str = "2026-11", **counters: int
) -> UsageIncrement:
    cost = Decimal(counters.pop("cost_micro", 1500)) / 1_000_000
    return UsageIncrement(
        team, "anthropic", model, month, Counters(requests=1, cost_usd=cost, **counters)
    )


def test_a_batch_applied_twice_counts_once(store: Store) -> None:
    ledger = UsageLedger(store)
    batch = [increment(input_tokens=100), increment(model="gpt-4o", input_tokens=7)]

    first = ledger.apply("b1", batch, AT)
    second = ledger.apply("b1", batch, AT)

    assert (first.chunks_applied, second.chunks_already_applied) == (1, 1)
    assert second.writes == 0
    assert not second.touched
    usage = ledger.month("tm_a", "2026-11")
    assert usage.totals.requests == 2
    assert usage.totals.input_tokens == 107
    assert usage.totals.cost_usd == Decimal("0.003")
    assert {(m.provider, m.model) for m in usage.models} == {
        ("anthropic", "claude-sonnet-4"),
        ("anthropic", "gpt-4o"),
    }


def test_large_batches_split_into_chunks_each_applied_exactly_once(store: Store) -> None:
    # GIVEN a batch of 250 models (251 items with the month's totals: 3 transactions)
    ledger = UsageLedger(store)
    batch = [increment(model=f"model-{i:03d}", output_tokens=i) for i in range(250)]

    result = ledger.apply("big", batch, AT)

    assert result.chunks == 3
    assert result.writes == 251 + 3
    usage = ledger.month("tm_a", "2026-11")
    assert len(usage.models) == 250
    assert usage.totals.requests == 250
    assert usage.totals.output_tokens == sum(range(250))
    assert ledger.apply("big", batch, AT).chunks_already_applied == 3


class _FailingOnTransaction:
    """A store whose n-th transaction fails as if the backend went away."""

    def __init__(self, store: Store, fail_at: int) -> None:
        self._store = store
        self._count = 0
        self._fail_at = fail_at

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def transact(self, ops: Sequence[Write]) -> None:
        self._count += 1
        if self._count == self._fail_at:
            raise StoreUnavailable(detail="gone")
        self._store.transact(ops)


def test_a_redelivered_batch_resumes_after_the_chunks_already_applied(store: Store) -> None:
    # GIVEN a 3-chunk batch whose second transaction failed
    batch = [increment(model=f"model-{i:03d}", output_tokens=1) for i in range(250)]
    failing = UsageLedger(_FailingOnTransaction(store, fail_at=2))  # type: ignore[arg-type]
    with pytest.raises(StoreUnavailable):
        failing.apply("crashy", batch, AT)

    # WHEN it is delivered again
    result = UsageLedger(store).apply("crashy", batch, AT)

    # THEN the first chunk is skipped, the rest applied, and every model counted once
    assert (result.chunks_already_applied, result.chunks_applied) == (1, 2)
    usage = UsageLedger(store).month("tm_a", "2026-11")
    assert [m.counters.output_tokens for m in usage.models] == [1] * 250
    assert usage.totals.requests == 250


def test_concurrent_batches_give_exact_totals(store: Store) -> None:
    # GIVEN many distinct batches, each delivered twice, all at the same time
    ledger = UsageLedger(store)
    batches = [(f"b{i}", [increment(input_tokens=i, cost_micro=i)]) for i in range(24)]

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda b: ledger.apply(b[0], b[1], AT), batches + batches))

    # THEN every batch counted exactly once
    totals = ledger.totals("tm_a", "2026-11")
    assert totals.requests == 24
    assert totals.input_tokens == sum(range(24))
    assert totals.cost_usd == Decimal(sum(range(24))) / 1_000_000


def test_history_is_one_query_with_missing_months_as_zeros(store: Store) -> None:
    ledger = UsageLedger(store)
    ledger.apply("b", [increment(month="2026-09"), increment(month="2025-12")], AT)
    ledger.apply("other-team", [increment(team="tm_b", month="2026-10")], AT)

    history = ledger.history("tm_a", ["2025-12", "2026-01", "2026-09", "2026-10", "2026-11"])

    assert {m: c.requests for m, c in history.items()} == {
        "2025-12": 1,
        "2026-01": 0,
        "2026-09": 1,
        "2026-10": 0,
        "2026-11": 0,
    }


def test_an_alert_is_claimed_once_under_concurrency(store: Store) -> None:
    ledger = UsageLedger(store)

    with ThreadPoolExecutor(THREADS) as pool:
        claims = list(
            pool.map(
                lambda _: ledger.claim_alert("tm_a", "2026-11", 80, {"sent_at": AT}), range(16)
            )
        )

    assert claims.count(True) == 1
    assert ledger.alerted_thresholds("tm_a", "2026-11") == [80]
    ledger.release_alert("tm_a", "2026-11", 80)
    assert ledger.alerted_thresholds("tm_a", "2026-11") == []

"""The usage ledger: spend and token counters per team, model and month, applied exactly once.

Item layout (on the one store port, beside the resources of `repositories.py`):

    USAGE#<team>            / <yyyy-mm>             the team's totals of the month (counters)
    USAGE#<team>#<yyyy-mm>  / <provider>#<model>    the team's totals of one model in the month
    INGESTED                / <batch id>#<chunk>    a chunk of a batch was applied (exactly once)
    ALERT#<team>#<yyyy-mm>  / <threshold>           the alert of a threshold was sent this month

Counters are keyed by month, so a new month starts at zero without a reset job. Reading a month
is one query of the model partition plus one get of the totals; the history of up to 36 months
is one query of the totals partition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from controlplane.domain.usage import UsageTotals
from controlplane.store.port import (
    MAX_TRANSACTION_ITEMS,
    Add,
    ConditionFailed,
    Delete,
    Item,
    MustNotExist,
    Put,
    Store,
    Write,
)

COUNTERS = (
    "requests",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "unpriced_requests",
    "cost_usd",
)
"""The counters of every usage item; `cost_usd` is exact (not quantised), the others integers."""

_INT_COUNTERS = COUNTERS[:-1]

Counters = UsageTotals
"""The counters of one usage item: the domain's totals, stored as they are."""


def counters_of(item: Item | None) -> Counters:
    """The counters of a stored usage item (zeros when it does not exist)."""
    if item is None:
        return Counters()
    values = item.counters
    return Counters(
        **{name: int(values.get(name, 0)) for name in _INT_COUNTERS},
        cost_usd=Decimal(values.get("cost_usd", 0)),
    )


def _increments(counters: Counters) -> dict[str, int | Decimal]:
    return {name: getattr(counters, name) for name in COUNTERS}


@dataclass(frozen=True)
class ModelCounters:
    provider: str
    model: str
    counters: Counters


@dataclass(frozen=True)
class MonthUsage:
    """One team's month: totals and the per-model items."""

    team_id: str
    month: str
    totals: Counters
    models: list[ModelCounters]


@dataclass(frozen=True)
class UsageIncrement:
    """What one batch adds for one (team, provider, model, month)."""

    team_id: str
    provider: str
    model: str
    month: str
    counters: Counters


@dataclass
class ApplyResult:
    chunks: int = 0
    chunks_applied: int = 0
    chunks_already_applied: int = 0
    writes: int = 0
    """Store writes (items) of the chunks applied now, markers included."""
    touched: set[tuple[str, str]] = field(default_factory=set)
    """(team, month) pairs whose counters changed."""


def _totals_pk(team_id: str) -> str:
    return f"USAGE#{team_id}"


def _models_pk(team_id: str, month: str) -> str:
    return f"USAGE#{team_id}#{month}"


def _alerts_pk(team_id: str, month: str) -> str:
    return f"ALERT#{team_id}#{month}"


class UsageLedger:
    def __init__(self, store: Store) -> None:
        self.store = store

    # Writing -------------------------------------------------------------------------------

    def apply(self, batch_id: str, increments: Iterable[UsageIncrement], at: str) -> ApplyResult:
        """Add the batch's increments, each chunk of at most 100 items exactly once.

        The writes are sorted, so the same batch always splits into the same chunks; each chunk
        carries its marker in its own transaction, so a chunk applied before is skipped whole
        and a crash between chunks resumes where it stopped when the batch is redelivered.
        """
        writes = _writes(increments)
        per_chunk = MAX_TRANSACTION_ITEMS - 1
        chunks = [writes[i : i + per_chunk] for i in range(0, len(writes), per_chunk)]
        result = ApplyResult(chunks=len(chunks))
        for index, chunk in enumerate(chunks):
            marker = Put(
                "INGESTED",
                f"{batch_id}#{index:05d}",
                {"batch_id": batch_id, "chunk": index, "chunks": len(chunks), "at": at},
                MustNotExist(),
            )
            try:
                self.store.transact([marker, *chunk])
            except ConditionFailed as failed:
                if failed.index != 0:
                    raise
                result.chunks_already_applied += 1
                continue
            result.chunks_applied += 1
            result.writes += len(chunk) + 1
            result.touched.update(_touched(chunk))
        return result

    def batch_applied(self, batch_id: str) -> bool:
        return self.store.get("INGESTED", f"{batch_id}#00000") is not None

    # Reading -------------------------------------------------------------------------------

    def month(self, team_id: str, month: str) -> MonthUsage:
        """The team's totals and per-model counters of a month: one get and one query."""
        totals = counters_of(self.store.get(_totals_pk(team_id), month))
        models = []
        after: str | None = None
        while True:  # one round trip unless a team used more than 1,000 models in a month
            page = self.store.query(_models_pk(team_id, month), after=after, limit=1000)
            for item in page.items:
                provider, _, model = item.sk.partition("#")
                models.append(ModelCounters(provider, model, counters_of(item)))
            if page.last_key is None:
                break
            after = page.last_key
        return MonthUsage(team_id, month, totals, models)

    def totals(self, team_id: str, month: str) -> Counters:
        return counters_of(self.store.get(_totals_pk(team_id), month))

    def history(self, team_id: str, months: Sequence[str]) -> dict[str, Counters]:
        """Totals of the given consecutive months (ascending): one query."""
        if not months:
            return {}
        page = self.store.query(
            _totals_pk(team_id), after=_month_before(months[0]), limit=len(months)
        )
        found = {item.sk: counters_of(item) for item in page.items if item.sk <= months[-1]}
        return {month: found.get(month, Counters()) for month in months}

    # Alerts --------------------------------------------------------------------------------

    def alerted_thresholds(self, team_id: str, month: str) -> list[int]:
        page = self.store.query(_alerts_pk(team_id, month), limit=100)
        return sorted(int(item.sk) for item in page.items)

    def claim_alert(
        self, team_id: str, month: str, threshold: int, data: Mapping[str, str]
    ) -> bool:
        """Record that the alert is being sent; False when it was sent already (race-free)."""
        try:
            self.store.write(
                Put(_alerts_pk(team_id, month), f"{threshold:04d}", dict(data), MustNotExist())
            )
        except ConditionFailed:
            return False
        return True

    def release_alert(self, team_id: str, month: str, threshold: int) -> None:
        """Forget a claimed alert whose delivery failed, so the next batch tries again."""
        self.store.write(Delete(_alerts_pk(team_id, month), f"{threshold:04d}"))


def _writes(increments: Iterable[UsageIncrement]) -> list[Add]:
    per_model: dict[tuple[str, str], Counters] = {}
    per_month: dict[tuple[str, str], Counters] = {}
    for inc in increments:
        model_key = (_models_pk(inc.team_id, inc.month), f"{inc.provider}#{inc.model}")
        per_model[model_key] = per_model.get(model_key, Counters()) + inc.counters
        month_key = (_totals_pk(inc.team_id), inc.month)
        per_month[month_key] = per_month.get(month_key, Counters()) + inc.counters
    items = sorted(per_model.items()) + sorted(per_month.items())
    return [Add(pk, sk, _increments(counters)) for (pk, sk), counters in items]


def _touched(chunk: Sequence[Write]) -> set[tuple[str, str]]:
    touched = set()
    for write in chunk:
        parts = write.pk.split("#")
        if len(parts) == 2:  # USAGE#<team> / <month>
            touched.add((parts[1], write.sk))
        elif len(parts) == 3:  # USAGE#<team>#<month> / <provider>#<model>
            touched.add((parts[1], parts[2]))
    return touched


def _month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    if number == 1:
        return f"{year - 1:04d}-12"
    return f"{year:04d}-{number - 1:02d}"

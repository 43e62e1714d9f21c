"""Usage from agentgateway's JSON access log: parse, price and aggregate per team/model/month.

Per line only the cheap work happens (json.loads, a few gets and int checks, token normalisation
and a tuple-keyed sum of ints); teams, prices and Decimal costs are resolved once per distinct key
in `UsageAggregator.result()`. Because cost is linear in token counts for a fixed rate tier and
each line's tier is decided per line, the aggregate cost equals the sum of per-request costs
exactly.

Decisions:
- Skipped lines are counted by reason, never raised: `not_llm` (no provider or no model),
  `failed_without_usage` (status >= 400 and no tokens), `no_usage` (an LLM line below 400 with
  no token fields, e.g. a client that hung up before usage arrived), `malformed` (not JSON, not an
  object, wrong types, negative counts, bad time), `empty` (blank line), `no_time` (no time field
  and no default time). A failed status with tokens is billed: providers bill partial streams.
- Lines without a client id, or whose client maps to no team, go to the team `UNATTRIBUTED`.
- A model is priced by (provider, response model), else (provider, request model); the usage key
  names the model that priced it, else the response model, else the request model.
- A model without a price of its own still counts its tokens and its requests as
  `unpriced_requests` and is listed in `unpriced_models`; it costs 0, or the `fallback` rates
  when given (then it is still counted and listed as unpriced, so it stays visible).
- Inconsistent token reports are clamped per line (see `costs.split_counts`) and counted in
  `anomalies`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from controlplane.domain.costs import (
    Rates,
    TokenConvention,
    TokenCounts,
    add_costs,
    split_counts,
    tier_cost,
    token_convention,
)
from controlplane.gateway_protocol import (
    LOG_CACHE_READ_TOKENS,
    LOG_CACHE_WRITE_TOKENS,
    LOG_CLIENT_ID,
    LOG_INPUT_TOKENS,
    LOG_OUTPUT_TOKENS,
    LOG_PROVIDER,
    LOG_REASONING_TOKENS,
    LOG_REQUEST_MODEL,
    LOG_RESPONSE_MODEL,
    LOG_STATUS,
    LOG_TIME,
    LOG_TIME_FALLBACK,
    PROVIDER_LOG_NAMES,
)

UNATTRIBUTED = "unattributed"
"""Team id of usage without a client id or whose client belongs to no team."""

SKIP_NOT_LLM = "not_llm"
SKIP_FAILED_WITHOUT_USAGE = "failed_without_usage"
SKIP_NO_USAGE = "no_usage"
SKIP_MALFORMED = "malformed"
SKIP_EMPTY = "empty"
SKIP_NO_TIME = "no_time"

PROVIDER_ALIASES: Mapping[str, str] = {
    **{name: name for name in PROVIDER_LOG_NAMES},
    **{log_name: name for name, log_name in PROVIDER_LOG_NAMES.items()},
    # Spellings of other agentgateway versions and of the OpenTelemetry GenAI conventions.
    "azure.openai": "azure",
    "azure.ai.openai": "azure",
    "gcp.vertex": "vertex",
}
"""Log provider name -> provider name of the price table."""

_SCAN_JSON_VALUE: Callable[[str, int], tuple[Any, int]]
_SCAN_JSON_VALUE = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # not in typeshed
"""The scanner of a decoder configured as json.loads's default one: (value, end)."""

_JSON_WHITESPACE = " \t\n\r"
"""The whitespace JSON allows after a value (json.loads skips exactly these)."""

_EPOCH_MILLIS_ABOVE = 100_000_000_000
"""Epoch numbers at or above this are milliseconds (as seconds they would be after year 5000)."""


def canonical_provider(log_name: str) -> str:
    """The price-table provider of a log provider name; unknown names pass through."""
    return PROVIDER_ALIASES.get(log_name, log_name)


def _month_of_text(text: str) -> str:
    if text[-1:] == "Z" and text[4:5] == "-" and text[7:8] == "-":
        # agentgateway's own form, RFC 3339 in UTC: parse only to validate, the month is the
        # text's prefix (utcoffset() and formatting would cost more than the parse).
        datetime.fromisoformat(text)
        return text[:7]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # RFC 3339 allows a lower-case "t" and "z"; fromisoformat does not.
        moment = datetime.fromisoformat(text.upper())
    offset = moment.utcoffset()
    if offset:
        moment -= offset
    elif text[4:5] == "-" and text[7:8] == "-":
        # Already UTC (or naive, taken as UTC): the month is the text's own prefix.
        return text[:7]
    return f"{moment.year:04d}-{moment.month:02d}"


def month_of(value: datetime | str | int | float) -> str:
    """The calendar month in UTC ("YYYY-MM") of an RFC 3339 string, epoch or datetime.

    Epoch numbers are seconds, or milliseconds when at least 10**11 (CloudWatch's unit). Naive
    values are taken as UTC. Raises ValueError (or OverflowError) when it is not a time.
    """
    if isinstance(value, str):
        return _month_of_text(value)
    if isinstance(value, datetime):
        offset = value.utcoffset()
        moment = value - offset if offset else value
        return f"{moment.year:04d}-{moment.month:02d}"
    if type(value) is int or type(value) is float:
        if value != value:
            raise ValueError("epoch time is NaN")
        seconds = value / 1000 if abs(value) >= _EPOCH_MILLIS_ABOVE else value
        moment = datetime.fromtimestamp(seconds, UTC)
        return f"{moment.year:04d}-{moment.month:02d}"
    raise ValueError(f"not a time: {value!r}")


@dataclass(frozen=True, slots=True, order=True)
class UsageKey:
    """What one store counter is kept for."""

    team_id: str
    provider: str
    model: str
    month: str


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """Summed usage of one key; `cost_usd` is exact (quantise once, with money.format_usd)."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    unpriced_requests: int = 0
    cost_usd: Decimal = Decimal(0)

    def __add__(self, other: UsageTotals) -> UsageTotals:
        return UsageTotals(
            self.requests + other.requests,
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.unpriced_requests + other.unpriced_requests,
            add_costs(self.cost_usd, other.cost_usd),
        )


@dataclass(frozen=True, slots=True)
class AggregatedUsage:
    """The result of a batch of lines: one `UsageTotals` per key (one store write each)."""

    totals: dict[UsageKey, UsageTotals] = field(default_factory=dict)
    lines: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    unpriced_models: set[tuple[str, str]] = field(default_factory=set)
    anomalies: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: AggregatedUsage) -> AggregatedUsage:
        totals = dict(self.totals)
        for key, value in other.totals.items():
            mine = totals.get(key)
            totals[key] = value if mine is None else mine + value
        return AggregatedUsage(
            totals=totals,
            lines=self.lines + other.lines,
            skipped=self.skipped + other.skipped,
            unpriced_models=self.unpriced_models | other.unpriced_models,
            anomalies=self.anomalies + other.anomalies,
        )


@dataclass(frozen=True, slots=True)
class _Slot:
    """A resolved (provider, model) price: the usage key's provider and model and its rates."""

    provider: str
    model: str
    rates: Rates | None
    priced: bool


_PairInfo = tuple[int, TokenConvention, bool, bool, int | None]
"""A provider/model pair's slot, token convention (and its two flags), long-context threshold."""


def _skip_reason_of_unparsable(line: object) -> str:
    if isinstance(line, str | bytes | bytearray) and not line.strip():
        return SKIP_EMPTY
    return SKIP_MALFORMED


class UsageAggregator:
    """Parses access-log lines and sums their usage; `result()` prices and attributes the sums.

    `team_of(client_id)` and `price_of(provider, model)` are each called once per distinct
    argument. `price_of` receives price-table provider names (see `PROVIDER_ALIASES`).
    """

    def __init__(
        self,
        team_of: Callable[[str], str | None],
        price_of: Callable[[str, str], Rates | None],
        fallback: Rates | None = None,
    ) -> None:
        self._team_of = team_of
        self._price_of = price_of
        self._fallback = fallback
        self._teams: dict[str, str] = {}
        self._prices: dict[tuple[str, str], Rates | None] = {}
        self._slots: list[_Slot] = []
        self._slot_index: dict[tuple[str, str, bool], int] = {}
        self._pairs: dict[tuple[str, str | None, str | None], _PairInfo] = {}
        # (client id, slot, month, long context) -> [requests, fresh input, output, read, write]
        self._sums: dict[tuple[str | None, int, str, bool], list[int]] = {}
        self._lines = 0
        self._skipped: Counter[str] = Counter()
        self._anomalies: Counter[str] = Counter()

    def add_line(
        self, line: str | bytes, default_time: datetime | str | int | float | None = None
    ) -> None:
        """Add one line; `default_time` dates it when it carries no time of its own."""
        self.add_lines((line,), default_time)

    def add_lines(
        self,
        lines: Iterable[str | bytes],
        default_time: datetime | str | int | float | None = None,
    ) -> None:
        """Add many lines (the hot loop: keep per-line work to gets, int checks and sums)."""
        loads = json.loads
        scan_value = _SCAN_JSON_VALUE
        sums = self._sums
        pairs = self._pairs
        skipped = self._skipped
        anomalies = self._anomalies
        split = split_counts
        month_of_text = _month_of_text
        # A bad default time is the caller's error: raise before any line is added.
        default_month = None if default_time is None else month_of(default_time)
        count = 0
        try:
            for line in lines:
                count += 1
                # json.loads(line) minus its per-call wrappers (a fifth of a line's parse
                # time) for the usual line, an object from its first character: json.loads
                # decodes such bytes (no BOM, no NUL second byte) as UTF-8 with surrogatepass,
                # runs this scanner and allows only JSON whitespace after the value.
                try:
                    if type(line) is str and line[:1] == "{":
                        text = line
                    elif type(line) is bytes and line[:1] == b"{" and line[1:2] != b"\x00":
                        text = line.decode("utf-8", "surrogatepass")
                    else:
                        text = None
                        entry = loads(line)
                    if text is not None:
                        entry, end = scan_value(text, 0)
                        if end != len(text) and text[end:].strip(_JSON_WHITESPACE):
                            raise ValueError("extra data after the JSON value")
                except (ValueError, TypeError, RecursionError, StopIteration):
                    skipped[_skip_reason_of_unparsable(line)] += 1
                    continue
                if type(entry) is not dict:
                    skipped[SKIP_MALFORMED] += 1
                    continue
                provider = entry.get(LOG_PROVIDER)
                if provider is None:
                    skipped[SKIP_NOT_LLM] += 1
                    continue
                request_model = entry.get(LOG_REQUEST_MODEL)
                response_model = entry.get(LOG_RESPONSE_MODEL)
                input_tokens = entry.get(LOG_INPUT_TOKENS)
                output_tokens = entry.get(LOG_OUTPUT_TOKENS)
                cache_read = entry.get(LOG_CACHE_READ_TOKENS)
                cache_write = entry.get(LOG_CACHE_WRITE_TOKENS)
                reasoning = entry.get(LOG_REASONING_TOKENS)
                status = entry.get(LOG_STATUS)
                client = entry.get(LOG_CLIENT_ID)
                # Type first: present, well-typed values (the usual case) stop at one test.
                if (
                    type(provider) is not str
                    or (type(request_model) is not str and request_model is not None)
                    or (type(response_model) is not str and response_model is not None)
                    or (type(client) is not str and client is not None)
                    or (type(status) is not int and status is not None)
                    or (type(input_tokens) is not int and input_tokens is not None)
                    or (type(output_tokens) is not int and output_tokens is not None)
                    or (type(cache_read) is not int and cache_read is not None)
                    or (type(cache_write) is not int and cache_write is not None)
                    or (type(reasoning) is not int and reasoning is not None)
                ):
                    skipped[SKIP_MALFORMED] += 1
                    continue
                if not provider or not (request_model or response_model):
                    skipped[SKIP_NOT_LLM] += 1
                    continue
                if not (input_tokens or output_tokens or cache_read or cache_write or reasoning):
                    # No tokens (each None or 0): skipped when failed or without usage fields.
                    if status is not None and status >= 400:
                        skipped[SKIP_FAILED_WITHOUT_USAGE] += 1
                        continue
                    if (
                        input_tokens is None
                        and output_tokens is None
                        and cache_read is None
                        and cache_write is None
                        and reasoning is None
                    ):
                        skipped[SKIP_NO_USAGE] += 1
                        continue
                input_tokens = input_tokens or 0
                output_tokens = output_tokens or 0
                cache_read = cache_read or 0
                cache_write = cache_write or 0
                reasoning = reasoning or 0
                # Bitwise or of ints is negative exactly when one of them is.
                if (input_tokens | output_tokens | cache_read | cache_write | reasoning) < 0:
                    skipped[SKIP_MALFORMED] += 1
                    continue
                moment = entry.get(LOG_TIME)
                if moment is None:
                    moment = entry.get(LOG_TIME_FALLBACK)
                if moment is None:
                    if default_month is None:
                        skipped[SKIP_NO_TIME] += 1
                        continue
                    month = default_month
                else:
                    try:
                        month = month_of_text(moment) if type(moment) is str else month_of(moment)
                    except (ValueError, OverflowError, OSError):
                        skipped[SKIP_MALFORMED] += 1
                        continue
                pair_key = (provider, request_model, response_model)
                pair = pairs.get(pair_key)
                if pair is None:
                    pair = pairs[pair_key] = self._resolve(provider, request_model, response_model)
                slot, convention, input_includes_cache, output_includes_reasoning, long_above = pair
                # costs.split_counts inlined for consistent reports; inconsistent ones (rare) go
                # through it, so its clamping rule stays the only one.
                fresh = (
                    input_tokens - cache_read - cache_write
                    if input_includes_cache
                    else input_tokens
                )
                if output_includes_reasoning:
                    output = output_tokens
                    consistent = fresh >= 0 and reasoning <= output_tokens
                else:
                    output = output_tokens + reasoning
                    consistent = fresh >= 0
                if not consistent:
                    fresh, output, anomaly = split(
                        convention, input_tokens, output_tokens, cache_read, cache_write, reasoning
                    )
                    if anomaly is not None:
                        anomalies[anomaly] += 1
                long_context = (
                    long_above is not None and fresh + cache_read + cache_write > long_above
                )
                key = (client, slot, month, long_context)
                sums_of_key = sums.get(key)
                if sums_of_key is None:
                    sums[key] = [1, fresh, output, cache_read, cache_write]
                else:
                    sums_of_key[0] += 1
                    sums_of_key[1] += fresh
                    sums_of_key[2] += output
                    sums_of_key[3] += cache_read
                    sums_of_key[4] += cache_write
        finally:
            self._lines += count

    def _price(self, provider: str, model: str) -> Rates | None:
        key = (provider, model)
        if key not in self._prices:
            self._prices[key] = self._price_of(provider, model)
        return self._prices[key]

    def _resolve(
        self, log_provider: str, request_model: str | None, response_model: str | None
    ) -> _PairInfo:
        """The slot, token convention and long-context threshold of a provider/model pair."""
        provider = canonical_provider(log_provider)
        rates = None
        model = ""
        for candidate in (response_model, request_model):
            if candidate:
                rates = self._price(provider, candidate)
                if rates is not None:
                    model = candidate
                    break
        priced = rates is not None
        if not priced:
            model = response_model or request_model or ""
            rates = self._fallback
        slot_key = (provider, model, priced)
        slot = self._slot_index.get(slot_key)
        if slot is None:
            slot = self._slot_index[slot_key] = len(self._slots)
            self._slots.append(_Slot(provider, model, rates, priced))
        threshold = None if rates is None else rates.long_context_above
        convention = token_convention(provider, model)
        return (
            slot,
            convention,
            convention.input_includes_cache,
            convention.output_includes_reasoning,
            threshold,
        )

    def _team(self, client: str | None) -> str:
        if not client:
            return UNATTRIBUTED
        team = self._teams.get(client)
        if team is None:
            team = self._teams[client] = self._team_of(client) or UNATTRIBUTED
        return team

    def result(self) -> AggregatedUsage:
        """Price and attribute the sums so far: one exact `UsageTotals` per (team, model, month)."""
        # Clients of one team are summed before pricing: cost is linear within a tier.
        by_team: dict[tuple[str, int, str, bool], list[int]] = {}
        for (client, slot_id, month, long_context), sums in self._sums.items():
            team_key = (self._team(client), slot_id, month, long_context)
            row = by_team.get(team_key)
            if row is None:
                by_team[team_key] = list(sums)
            else:
                for index, value in enumerate(sums):
                    row[index] += value
        merged: dict[tuple[str, str, str, str], list[int]] = {}
        costs: dict[tuple[str, str, str, str], Decimal] = {}
        unpriced_models: set[tuple[str, str]] = set()
        for (team, slot_id, month, long_context), sums in by_team.items():
            slot = self._slots[slot_id]
            key = (team, slot.provider, slot.model, month)
            requests, fresh, output, cache_read, cache_write = sums
            if not slot.priced:
                unpriced_models.add((slot.provider, slot.model))
            cost = Decimal(0)
            if slot.rates is not None:
                tier = slot.rates
                if long_context and tier.long_context is not None:
                    tier = tier.long_context.rates
                cost = tier_cost(TokenCounts(fresh, output, cache_read, cache_write), tier)
            row = merged.get(key)
            if row is None:
                merged[key] = [*sums, 0 if slot.priced else requests]
                costs[key] = cost
            else:
                for index, value in enumerate(sums):
                    row[index] += value
                row[5] += 0 if slot.priced else requests
                costs[key] = add_costs(costs[key], cost)
        totals = {
            UsageKey(*key): UsageTotals(
                requests=row[0],
                input_tokens=row[1],
                output_tokens=row[2],
                cache_read_tokens=row[3],
                cache_write_tokens=row[4],
                unpriced_requests=row[5],
                cost_usd=costs[key],
            )
            for key, row in sorted(merged.items())
        }
        return AggregatedUsage(
            totals=totals,
            lines=self._lines,
            skipped=Counter(self._skipped),
            unpriced_models=unpriced_models,
            anomalies=Counter(self._anomalies),
        )

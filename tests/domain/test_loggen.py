"""The access-log generator: deterministic, agentgateway-shaped, and covering every case."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from controlplane.domain.costs import Rates, rates_from_price
from controlplane.domain.pricing import PriceKey
from controlplane.domain.usage import (
    PROVIDER_ALIASES,
    UNATTRIBUTED,
    AggregatedUsage,
    UsageAggregator,
)
from controlplane.gateway_protocol import (
    ACCESS_LOG_ADDED_FIELDS,
    LOG_CACHE_READ_TOKENS,
    LOG_CACHE_WRITE_TOKENS,
    LOG_CLIENT_ID,
    LOG_INPUT_TOKENS,
    LOG_PATH,
    LOG_PROVIDER,
    LOG_REASONING_TOKENS,
    LOG_REQUEST_MODEL,
    LOG_RESPONSE_MODEL,
    LOG_SCOPE,
    LOG_STATUS,
    LOG_STREAMING,
    LOG_TIME,
)
from controlplane.loggen import generate_access_log, generated_teams, write_access_log
from controlplane.pricing import default_prices

LINES = 6_000


@pytest.fixture(scope="module")
def log() -> list[str]:
    return list(generate_access_log(LINES, seed=11))


@pytest.fixture(scope="module")
def parsed(log: list[str]) -> list[dict[str, Any]]:
    entries = []
    for text in log:
        try:
            entry = json.loads(text)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def llm_entries(parsed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The well-formed LLM lines (the malformed ones have no `level`)."""
    return [entry for entry in parsed if "level" in entry and LOG_PROVIDER in entry]


def price_of(provider: str, model: str) -> Rates | None:
    entry = default_prices().get(PriceKey(provider, model))
    return None if entry is None else rates_from_price(entry)


def aggregate(lines: list[str]) -> AggregatedUsage:
    teams = {client: team for team, clients in generated_teams() for client in clients}
    aggregator = UsageAggregator(teams.get, price_of)
    aggregator.add_lines(lines)
    return aggregator.result()


def test_same_seed_same_log_other_seed_other_log(log: list[str]) -> None:
    assert list(generate_access_log(LINES, seed=11)) == log
    assert list(generate_access_log(50, seed=12)) != log[:50]


def test_lines_are_agentgateway_request_lines(parsed: list[dict[str, Any]]) -> None:
    llm = llm_entries(parsed)
    assert len(llm) > 0.9 * LINES
    for entry in llm:
        assert entry[LOG_SCOPE] == "request"
        assert entry["http.method"] == "POST"
        assert entry[LOG_PATH] in ("/v1/chat/completions", "/v1/messages", "/v1/responses")
        assert entry["gen_ai.operation.name"] == "chat"
        assert isinstance(entry[LOG_STATUS], int)
        assert entry[LOG_PROVIDER] in PROVIDER_ALIASES
        assert isinstance(entry[LOG_REQUEST_MODEL], str)
        assert entry["duration"].endswith("ms")
        assert isinstance(entry[LOG_STREAMING], bool)
    fields = Counter(key for entry in llm for key in entry)
    for name in (*ACCESS_LOG_ADDED_FIELDS, LOG_RESPONSE_MODEL, LOG_INPUT_TOKENS, "src.addr"):
        assert fields[name] > 0, name


def test_the_mix_has_every_case(log: list[str], parsed: list[dict[str, Any]]) -> None:
    llm = llm_entries(parsed)
    failed = [entry for entry in llm if entry[LOG_STATUS] >= 400]
    assert any(LOG_INPUT_TOKENS not in entry for entry in failed)
    assert any(LOG_INPUT_TOKENS in entry for entry in failed)
    assert any(entry.get(LOG_CACHE_READ_TOKENS) for entry in llm)
    assert any(entry.get(LOG_CACHE_WRITE_TOKENS) for entry in llm)
    assert any(entry.get(LOG_REASONING_TOKENS) for entry in llm)
    assert any(LOG_CLIENT_ID not in entry for entry in llm)
    assert {entry[LOG_STREAMING] for entry in llm} == {True, False}
    assert any(entry.get(LOG_PATH) == "/healthz" for entry in parsed)
    assert len(parsed) < len(log)  # some lines are not JSON objects at all
    providers = {PROVIDER_ALIASES[entry[LOG_PROVIDER]] for entry in llm}
    assert providers == {"anthropic", "azure", "bedrock", "gemini", "openai", "vertex"}


def test_aggregating_the_log_shows_each_kind_of_line(log: list[str]) -> None:
    result = aggregate(log)
    assert result.lines == LINES
    assert set(result.skipped) == {"not_llm", "malformed", "failed_without_usage"}
    assert result.unpriced_models
    assert any(key.team_id == UNATTRIBUTED for key in result.totals)
    assert {key.month for key in result.totals} == {"2026-11", "2026-12"}
    assert not result.anomalies  # the generator reports consistent counts
    # Some requests are long enough for a long-context tier.
    priced = [price_of(key.provider, key.model) for key in result.totals]
    assert any(rates is not None and rates.long_context is not None for rates in priced)
    assert (
        sum(totals.requests for totals in result.totals.values()) + sum(result.skipped.values())
        == LINES
    )


def test_every_line_that_is_meant_to_parse_does(log: list[str]) -> None:
    # Values are written without escaping: check that every JSON-looking line is valid.
    broken = [text for text in log if text.startswith('{"level"') and not _parses(text)]
    assert broken == []


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_times_are_spread_from_the_start_over_the_duration() -> None:
    start = datetime(2027, 1, 31, 23, 0, tzinfo=UTC)
    lines = list(generate_access_log(500, seed=3, start=start, duration=timedelta(hours=2)))
    times = [json.loads(text)[LOG_TIME] for text in lines if text.startswith('{"level"')]
    assert times == sorted(times)
    assert times[0].startswith("2027-01-31T23:00:00.")
    assert times[-1].startswith("2027-02-01T00:5")


def test_teams_given_are_the_teams_used() -> None:
    teams = [("team-x", ["cx1", "cx2"]), ("team-y", ["cy"])]
    lines = list(generate_access_log(400, seed=5, teams=teams))
    clients = {json.loads(text).get(LOG_CLIENT_ID) for text in lines if text.startswith('{"level"')}
    assert clients - {None} == {"cx1", "cx2", "cy"}


def test_write_access_log(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    assert write_access_log(path, 25_003, seed=4) == 25_003
    written = path.read_text(encoding="utf-8").splitlines()
    assert written == list(generate_access_log(25_003, seed=4))

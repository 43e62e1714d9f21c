"""Access-log lines -> usage per (team, provider, model, month), priced exactly."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controlplane.domain.costs import Rates, cost_of, normalise_tokens, rates_from_price
from controlplane.domain.pricing import PriceKey
from controlplane.domain.usage import (
    UNATTRIBUTED,
    AggregatedUsage,
    UsageAggregator,
    UsageKey,
    UsageTotals,
    canonical_provider,
    month_of,
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
    LOG_SCOPE,
    LOG_STATUS,
    LOG_TIME,
    LOG_TIME_FALLBACK,
)
from controlplane.money import format_usd
from controlplane.pricing import default_prices

D = Decimal
TEAMS = {"client-a": "team-a", "client-b": "team-b", "client-a2": "team-a"}
VERTEX_GEMINI = Rates(D(1), D(4), D("0.1"), D(1))


def price_of(provider: str, model: str) -> Rates | None:
    if (provider, model) == ("vertex", "gemini-2.5-flash"):
        return VERTEX_GEMINI
    entry = default_prices().get(PriceKey(provider, model))
    return None if entry is None else rates_from_price(entry)


def line(
    provider: Any = "openai",
    model: Any = "gpt-4o",
    *,
    response_model: Any = None,
    client: Any = "client-a",
    time: Any = "2026-11-15T10:00:00Z",
    status: Any = 200,
    input_tokens: Any = None,
    output_tokens: Any = None,
    cache_read: Any = None,
    cache_write: Any = None,
    reasoning: Any = None,
    **extra: Any,
) -> str:
    """An agentgateway-shaped line; None leaves a field out, as agentgateway does."""
    fields = {
        LOG_TIME: time,
        LOG_SCOPE: "request",
        LOG_STATUS: status,
        LOG_PROVIDER: provider,
        LOG_REQUEST_MODEL: model,
        LOG_RESPONSE_MODEL: response_model,
        LOG_INPUT_TOKENS: input_tokens,
        LOG_OUTPUT_TOKENS: output_tokens,
        LOG_CLIENT_ID: client,
        LOG_CACHE_READ_TOKENS: cache_read,
        LOG_CACHE_WRITE_TOKENS: cache_write,
        LOG_REASONING_TOKENS: reasoning,
        **extra,
    }
    return json.dumps({key: value for key, value in fields.items() if value is not None})


def aggregate(
    lines: Iterable[str | bytes], fallback: Rates | None = None, **kwargs: Any
) -> AggregatedUsage:
    aggregator = UsageAggregator(TEAMS.get, price_of, fallback)
    aggregator.add_lines(lines, **kwargs)
    return aggregator.result()


def only(result: AggregatedUsage) -> tuple[UsageKey, UsageTotals]:
    assert len(result.totals) == 1, result.totals
    return next(iter(result.totals.items()))


# Hand-computed: sum of tokens x USD-per-million rate, in micro-dollars, then / 10**6.
EXACT_COSTS = [
    pytest.param(
        # gpt-4o (priced by its dated response model): 2.50 / 10 / cached 1.25.
        # 6000 fresh x 2.50 + 4000 cached x 1.25 + 2000 output (500 of them reasoning) x 10.
        line("openai", "gpt-4o", response_model="gpt-4o-2024-08-06", input_tokens=10_000,
             output_tokens=2_000, cache_read=4_000, reasoning=500),
        ("openai", "gpt-4o-2024-08-06", (6_000, 2_000, 4_000, 0), "0.04"),
        id="openai",
    ),
    pytest.param(
        # gpt-4.1-mini on Azure: 0.40 / 1.60 / cached 0.10: 320000 + 20000 + 160000.
        line("azure.openai", "gpt-4.1-mini", input_tokens=1_000_000, output_tokens=100_000,
             cache_read=200_000, reasoning=30_000),
        ("azure", "gpt-4.1-mini", (800_000, 100_000, 200_000, 0), "0.5"),
        id="azure",
    ),
    pytest.param(
        # claude-sonnet-4-0: 3 / 15 / read 0.30 / write 3.75: 3000 + 30000 + 15000 + 37500.
        line("anthropic", "claude-sonnet-4-0", input_tokens=1_000, output_tokens=2_000,
             cache_read=50_000, cache_write=10_000),
        ("anthropic", "claude-sonnet-4-0", (1_000, 2_000, 50_000, 10_000), "0.0855"),
        id="anthropic",
    ),
    pytest.param(
        # Claude 3.7 Sonnet on Bedrock: 3 / 15 / 0.30 / 3.75: 6000 + 7500 + 2400 + 3750.
        line("aws.bedrock", "anthropic.claude-3-7-sonnet-20250219-v1:0", input_tokens=2_000,
             output_tokens=500, cache_read=8_000, cache_write=1_000),
        ("bedrock", "anthropic.claude-3-7-sonnet-20250219-v1:0", (2_000, 500, 8_000, 1_000),
         "0.01965"),
        id="bedrock",
    ),
    pytest.param(
        # gemini-2.5-flash: 0.30 / 2.50 / cached 0.03; 3000 thoughts billed as output:
        # 4000 x 0.30 + 6000 x 0.03 + (1000 + 3000) x 2.50 = 1200 + 180 + 10000.
        line("gcp.gemini", "gemini-2.5-flash", input_tokens=10_000, output_tokens=1_000,
             cache_read=6_000, reasoning=3_000),
        ("gemini", "gemini-2.5-flash", (4_000, 4_000, 6_000, 0), "0.01138"),
        id="gemini",
    ),
    pytest.param(
        # Claude Sonnet 4 on Vertex, Anthropic's convention: 3000 + 1500 + 4000 x 0.30.
        line("gcp.vertex_ai", "claude-sonnet-4@20250514", input_tokens=1_000,
             output_tokens=100, cache_read=4_000),
        ("vertex", "claude-sonnet-4@20250514", (1_000, 100, 4_000, 0), "0.0057"),
        id="vertex-claude",
    ),
    pytest.param(
        # Gemini on Vertex (test rates 1 / 4 / cached 0.1): 600 + 40 + (100 + 50) x 4.
        line("gcp.vertex_ai", "gemini-2.5-flash", input_tokens=1_000, output_tokens=100,
             cache_read=400, reasoning=50),
        ("vertex", "gemini-2.5-flash", (600, 150, 400, 0), "0.00124"),
        id="vertex-gemini",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("log_line", "expected"), EXACT_COSTS)
def test_exact_cost_per_provider(
    log_line: str, expected: tuple[str, str, tuple[int, int, int, int], str]
) -> None:
    provider, model, (fresh, output, cache_read, cache_write), cost = expected
    key, totals = only(aggregate([log_line]))
    assert key == UsageKey("team-a", provider, model, "2026-11")
    assert totals == UsageTotals(
        requests=1,
        input_tokens=fresh,
        output_tokens=output,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        unpriced_requests=0,
        cost_usd=D(cost),
    )


def test_long_context_rates_apply_to_the_whole_request() -> None:
    # 205k prompt tokens > 200k: every bucket at 6 / 22.50 / 0.60 / 7.50.
    long_request = line(
        "anthropic",
        "claude-sonnet-4-0",
        input_tokens=5_000,
        output_tokens=1_000,
        cache_read=150_000,
        cache_write=50_000,
    )
    # Exactly 200k is not above the threshold: base rates, 300000 + 30000 + 150.
    at_threshold = line(
        "anthropic", "claude-sonnet-4-0", input_tokens=100_000, output_tokens=10, cache_read=100_000
    )
    assert only(aggregate([long_request]))[1].cost_usd == D("0.5175")
    assert only(aggregate([at_threshold]))[1].cost_usd == D("0.33015")
    # Summed in one aggregate, each keeps its own tier.
    assert only(aggregate([long_request, at_threshold]))[1].cost_usd == D("0.84765")
    # Gemini 2.5 Pro: 250k prompt (100k cached) > 200k: 150000 x 2.50 + 100000 x 0.25
    # + (2000 + 8000 thoughts) x 15.
    gemini = line(
        "gcp.gemini",
        "gemini-2.5-pro",
        input_tokens=250_000,
        output_tokens=2_000,
        cache_read=100_000,
        reasoning=8_000,
    )
    assert only(aggregate([gemini]))[1].cost_usd == D("0.55")


def test_reasoning_is_billed_once_as_output() -> None:
    # OpenAI's completion tokens already include reasoning; Gemini's candidates do not.
    openai = only(aggregate([line(input_tokens=10, output_tokens=100, reasoning=60)]))[1]
    gemini = only(
        aggregate(
            [
                line(
                    "gcp.gemini",
                    "gemini-2.5-flash",
                    input_tokens=10,
                    output_tokens=40,
                    reasoning=60,
                )
            ]
        )
    )[1]
    assert openai.output_tokens == gemini.output_tokens == 100


def test_cached_tokens_are_billed_once() -> None:
    # 1000 prompt tokens, 900 of them cached, reported the OpenAI way and the Anthropic way.
    openai = only(aggregate([line(input_tokens=1_000, output_tokens=1, cache_read=900)]))[1]
    anthropic = only(
        aggregate(
            [
                line(
                    "anthropic",
                    "claude-haiku-4-5",
                    input_tokens=100,
                    output_tokens=1,
                    cache_read=900,
                )
            ]
        )
    )[1]
    for totals in (openai, anthropic):
        assert (totals.input_tokens, totals.cache_read_tokens) == (100, 900)


def test_inconsistent_reports_are_clamped_and_counted() -> None:
    result = aggregate([line(input_tokens=100, output_tokens=10, cache_read=300)])
    _, totals = only(result)
    assert (totals.input_tokens, totals.cache_read_tokens) == (0, 300)
    assert totals.cost_usd == D("0.000475")  # 300 x 1.25 + 10 x 10
    assert result.anomalies == Counter({"cache_exceeds_input": 1})


def test_unknown_models_are_counted_and_visible() -> None:
    lines = [
        line("openai", "gpt-7-preview", input_tokens=1_000, output_tokens=100),
        line("openai", "gpt-7-preview", input_tokens=1_000, output_tokens=100),
        line(input_tokens=1_000_000, output_tokens=0),
    ]
    result = aggregate(lines)
    unknown = result.totals[UsageKey("team-a", "openai", "gpt-7-preview", "2026-11")]
    assert unknown == UsageTotals(2, 2_000, 200, 0, 0, unpriced_requests=2, cost_usd=D(0))
    assert result.totals[UsageKey("team-a", "openai", "gpt-4o", "2026-11")].cost_usd == D("2.5")
    assert result.unpriced_models == {("openai", "gpt-7-preview")}


def test_a_fallback_prices_unknown_models_but_keeps_them_flagged() -> None:
    fallback = Rates(D(10), D(30), D(10), D(10))
    result = aggregate([line("openai", "gpt-7", input_tokens=1_000, output_tokens=100)], fallback)
    _, totals = only(result)
    assert (totals.cost_usd, totals.unpriced_requests) == (D("0.013"), 1)
    assert result.unpriced_models == {("openai", "gpt-7")}


def test_model_is_priced_by_response_then_request_model() -> None:
    # Unpriced response model, priced request model: priced and keyed by the request model.
    fallback_to_request = line(
        "openai", "gpt-4o", response_model="gpt-4o-2099-01-01", input_tokens=1_000, output_tokens=0
    )
    key, totals = only(aggregate([fallback_to_request]))
    assert (key.model, totals.cost_usd, totals.unpriced_requests) == ("gpt-4o", D("0.0025"), 0)
    # Neither priced: keyed by the response model.
    unknown = line("openai", "mystery", response_model="mystery-2", input_tokens=1, output_tokens=1)
    assert only(aggregate([unknown]))[0].model == "mystery-2"


def test_lines_without_a_known_client_are_unattributed() -> None:
    lines = [
        line(client=None, input_tokens=1, output_tokens=1),
        line(client="", input_tokens=1, output_tokens=1),
        line(client="client-unknown", input_tokens=1, output_tokens=1),
        line(client="client-a2", input_tokens=1, output_tokens=1),
        line(client="client-a", input_tokens=1, output_tokens=1),
    ]
    result = aggregate(lines)
    assert {key.team_id: totals.requests for key, totals in result.totals.items()} == {
        UNATTRIBUTED: 3,
        "team-a": 2,
    }


def test_team_and_price_lookups_happen_once_per_distinct_key() -> None:
    team_calls: list[str] = []
    price_calls: list[tuple[str, str]] = []

    def team_of(client: str) -> str | None:
        team_calls.append(client)
        return TEAMS.get(client)

    def counting_price_of(provider: str, model: str) -> Rates | None:
        price_calls.append((provider, model))
        return price_of(provider, model)

    aggregator = UsageAggregator(team_of, counting_price_of)
    for client in ("client-a", "client-b") * 50:
        aggregator.add_line(line(client=client, input_tokens=1, output_tokens=1))
        aggregator.add_line(line("openai", "unknown", client=client, input_tokens=1))
    aggregator.result()
    aggregator.result()
    assert sorted(team_calls) == ["client-a", "client-b"]
    assert sorted(price_calls) == [("openai", "gpt-4o"), ("openai", "unknown")]


def test_bad_lines_are_skipped_and_counted_by_reason() -> None:
    lines: list[str | bytes] = [
        "{not json",
        "",
        "   ",
        "[1, 2]",
        '"a string"',
        json.dumps({LOG_TIME: "2026-11-15T10:00:00Z", "http.path": "/healthz", LOG_STATUS: 200}),
        line(None, input_tokens=1, output_tokens=1),
        line(model=None, input_tokens=1, output_tokens=1),
        line(model=""),
        line(status=503),
        line(status=429, input_tokens=0, output_tokens=0),
        line(status=200),
        line(input_tokens="12", output_tokens=1),
        line(input_tokens=1.5, output_tokens=1),
        line(input_tokens=True, output_tokens=1),
        line(input_tokens=10, output_tokens=-1),
        line(input_tokens=10, cache_read=-3),
        line(client=42, input_tokens=1),
        line(provider=["openai"], input_tokens=1),
        line(status="200", input_tokens=1),
        line(time="yesterday", input_tokens=1),
        line(time=float("nan"), input_tokens=1),
        line(time=None, input_tokens=1),
        line(time=[2026], input_tokens=1),
        "[" * 100_000,
        b"\xff\xfe not utf-8",
    ]
    result = aggregate(lines)
    assert result.totals == {}
    assert result.lines == len(lines)
    assert result.skipped == Counter(
        {
            "malformed": 16,
            "not_llm": 4,
            "empty": 2,
            "failed_without_usage": 2,
            "no_usage": 1,
            "no_time": 1,
        }
    )


def test_a_failed_call_with_usage_is_billed() -> None:
    partial_stream = line(status=500, input_tokens=1_000, output_tokens=10, error="stream reset")
    _, totals = only(aggregate([partial_stream]))
    assert (totals.requests, totals.cost_usd) == (1, D("0.0026"))


def test_a_successful_call_reporting_zero_tokens_is_a_request() -> None:
    _, totals = only(aggregate([line(input_tokens=0, output_tokens=0)]))
    assert (totals.requests, totals.cost_usd) == (1, D(0))


def test_bytes_lines_are_accepted() -> None:
    _, totals = only(aggregate([line(input_tokens=1, output_tokens=1).encode()]))
    assert totals.requests == 1


BILLED = line(input_tokens=1_000, output_tokens=10, error="upstream said \u2028 nothing")


@pytest.mark.parametrize(
    "text",
    [
        BILLED,
        BILLED.encode(),
        BILLED + " \t\r\n",  # JSON whitespace may follow the value
        BILLED.encode() + b" \r\n",
        BILLED + "\x0b",  # ...other whitespace may not
        BILLED + "\u00a0",
        BILLED + " x",
        BILLED + BILLED,
        " " + BILLED,  # leading whitespace
        "\ufeff" + BILLED,  # json.loads refuses a BOM in text...
        b"\xef\xbb\xbf" + BILLED.encode(),  # ...and accepts one in bytes
        BILLED.encode("utf-16-le"),  # bytes in UTF-16/32 are decoded as such
        BILLED.encode("utf-16-be"),
        BILLED.encode("utf-32-le"),
        BILLED.replace("nothing", "\udc80").encode("utf-8", "surrogatepass"),
        BILLED.replace("nothing", "\xe9").encode("latin-1"),  # not UTF-8
        "{",
        '{"a": }',
        "{}",
        '{"a": NaN}',
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        bytearray(BILLED.encode()),
    ],
)
def test_lines_are_parsed_exactly_as_json_loads_parses_them(text: str | bytes) -> None:
    # The hot loop calls json's scanner itself for lines starting with "{"; every outcome must
    # be json.loads's: the same object, or the line skipped when json.loads refuses it.
    try:
        expected = aggregate([json.dumps(json.loads(text))])
    except (ValueError, RecursionError):
        expected = AggregatedUsage(lines=1, skipped=Counter({"malformed": 1}))
    assert aggregate([text]) == expected


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        ("2026-11-30T23:59:59Z", "2026-11"),
        ("2026-11-30T23:59:59-02:00", "2026-12"),  # 01:59:59 UTC on December 1st
        ("2026-12-01T00:30:00+01:00", "2026-11"),
        ("2026-12-31T23:59:59.999999999Z", "2026-12"),
        ("2026-11-30t23:59:59z", "2026-11"),
        ("2026-11-30 23:59:59", "2026-11"),  # naive: taken as UTC
        (1_796_083_199, "2026-11"),  # epoch seconds: 2026-11-30T23:59:59Z
        (1_796_083_200, "2026-12"),
        (1_796_083_199_999, "2026-11"),  # epoch milliseconds
        (1_796_083_200.5, "2026-12"),
    ],
)
def test_months_are_calendar_months_in_utc(moment: Any, month: str) -> None:
    assert month_of(moment) == month
    key, _ = only(aggregate([line(time=moment, input_tokens=1, output_tokens=1)]))
    assert key.month == month


def test_time_falls_back_to_timestamp_then_to_the_default() -> None:
    fallback_field = line(time=None, input_tokens=1, output_tokens=1, **{LOG_TIME_FALLBACK: 0})
    no_time = line(time=None, input_tokens=1, output_tokens=1)
    result = aggregate([fallback_field, no_time], default_time=datetime(2026, 12, 5, tzinfo=UTC))
    assert sorted(key.month for key in result.totals) == ["1970-01", "2026-12"]
    aggregator = UsageAggregator(TEAMS.get, price_of)
    aggregator.add_line(no_time, default_time=1_796_083_200_000)  # CloudWatch milliseconds
    assert only(aggregator.result())[0].month == "2026-12"
    with pytest.raises(ValueError, match="not a time"):
        aggregator.add_line(no_time, default_time=object())  # type: ignore[arg-type]


def test_provider_names_from_the_log_map_to_price_table_names() -> None:
    assert canonical_provider("aws.bedrock") == "bedrock"
    assert canonical_provider("gcp.vertex_ai") == "vertex"
    assert canonical_provider("gcp.gemini") == "gemini"
    assert canonical_provider("azure.openai") == canonical_provider("azure") == "azure"
    assert canonical_provider("openai") == "openai"
    assert canonical_provider("someone-else") == "someone-else"


# -- Properties ------------------------------------------------------------------------------

MODELS = {
    "openai": ["gpt-4o", "gpt-5-mini", "gpt-7-preview"],
    "azure.openai": ["gpt-4.1"],
    "anthropic": ["claude-sonnet-4-0", "claude-haiku-5-5", "claude-9"],
    "aws.bedrock": ["us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
    "gcp.gemini": ["gemini-2.5-pro", "gemini-3.1-pro-preview", "gemini-2.5-flash"],
    "gcp.vertex_ai": ["claude-sonnet-4@20250514", "gemini-2.5-flash"],
    "my-vllm": ["llama-4"],
}
TIMES = ["2026-10-31T23:59:59Z", "2026-11-01T00:00:00+01:00", "2026-11-30T22:00:00-03:00"]
tokens = st.integers(0, 300_000)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    provider = draw(st.sampled_from(sorted(MODELS)))
    model = draw(st.sampled_from(MODELS[provider]))
    return {
        "provider": provider,
        "model": model,
        "response_model": draw(st.sampled_from([None, model, model + "-2026-01-01"])),
        "client": draw(st.sampled_from([None, "client-a", "client-a2", "client-b", "nobody"])),
        "time": draw(st.sampled_from(TIMES)),
        "status": draw(st.sampled_from([200, 200, 500])),
        "input_tokens": draw(tokens),
        "output_tokens": draw(st.integers(1, 50_000)),
        "cache_read": draw(tokens),
        "cache_write": draw(st.sampled_from([0, 0, 1_000, 120_000])),
        "reasoning": draw(st.integers(0, 20_000)),
    }


def reference_totals(
    request_list: list[dict[str, Any]], fallback: Rates | None
) -> dict[UsageKey, tuple[int, Decimal]]:
    """Request count and exact cost per key, priced one request at a time with cost_of."""
    expected: dict[UsageKey, tuple[int, Decimal]] = {}
    for request in request_list:
        provider = canonical_provider(request["provider"])
        candidates = [m for m in (request["response_model"], request["model"]) if m]
        priced = [(m, price_of(provider, m)) for m in candidates if price_of(provider, m)]
        model, rates = priced[0] if priced else (candidates[0], fallback)
        counts = normalise_tokens(
            provider,
            model,
            request["input_tokens"],
            request["output_tokens"],
            request["cache_read"],
            request["cache_write"],
            request["reasoning"],
        )
        cost = D(0) if rates is None else cost_of(counts, rates)
        team = TEAMS.get(request["client"] or "") or UNATTRIBUTED
        key = UsageKey(team, provider, model, month_of(request["time"]))
        count, total = expected.get(key, (0, D(0)))
        expected[key] = (count + 1, total + cost)
    return expected


@settings(max_examples=150, deadline=None)
@given(
    request_list=st.lists(requests(), max_size=40),
    fallback=st.sampled_from([None, Rates(D("0.5"), D("1.5"), D("0.05"), D("0.6"))]),
)
def test_aggregate_cost_is_the_exact_sum_of_per_request_costs(
    request_list: list[dict[str, Any]], fallback: Rates | None
) -> None:
    result = aggregate([line(**request) for request in request_list], fallback)
    assert {
        key: (totals.requests, totals.cost_usd) for key, totals in result.totals.items()
    } == reference_totals(request_list, fallback)


@settings(max_examples=150, deadline=None)
@given(request_list=st.lists(requests(), max_size=40), data=st.data())
def test_batches_add_up_to_the_whole(
    request_list: list[dict[str, Any]], data: st.DataObject
) -> None:
    lines = [line(**request) for request in request_list]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(lines)), max_size=6)))
    bounds = [0, *cuts, len(lines)]
    batches = [aggregate(lines[start:end]) for start, end in pairwise(bounds)]
    whole = aggregate(lines)
    summed = sum(batches, AggregatedUsage())
    assert summed == whole
    # Quantised once at the end, the batch sums equal the whole, to the micro-dollar.
    for key, totals in whole.totals.items():
        batch_costs = [batch.totals[key].cost_usd for batch in batches if key in batch.totals]
        assert format_usd(sum(batch_costs, D(0))) == format_usd(totals.cost_usd)

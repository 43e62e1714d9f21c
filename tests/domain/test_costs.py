"""Pricing math: rates from price entries, per-provider token normalisation, exact costs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controlplane.domain.costs import (
    ANOMALY_CACHE_EXCEEDS_INPUT,
    ANOMALY_REASONING_EXCEEDS_OUTPUT,
    LongContext,
    Rates,
    TokenCounts,
    cost_of,
    normalise_tokens,
    prompt_tokens,
    rates_from_price,
    split_counts,
    tier_cost,
    token_convention,
)
from controlplane.domain.pricing import PriceKey
from controlplane.money import format_usd
from controlplane.pricing import default_prices

D = Decimal


def default_rates(provider: str, model: str) -> Rates:
    return rates_from_price(default_prices()[PriceKey(provider, model)])


def test_missing_cache_rates_are_billed_at_the_input_rate() -> None:
    rates = default_rates("openai", "gpt-4o")
    assert rates == Rates(D("2.50"), D("10"), D("1.25"), D("2.50"))
    assert rates_from_price({"input": "1", "output": "2"}) == Rates(D(1), D(2), D(1), D(1))


def test_long_context_tier_as_listed() -> None:
    rates = default_rates("anthropic", "claude-sonnet-4-0")
    assert rates.long_context == LongContext(
        200_000, Rates(D("6"), D("22.50"), D("0.60"), D("7.50"))
    )
    assert rates.long_context_above == 200_000


def test_long_context_cache_rates_left_out_keep_their_multiple_of_input() -> None:
    # Gemini 3.1 Pro lists no cache price above 200k: base 0.20 at input 2 -> 0.40 at input 4;
    # its cache writes are unpriced (so input-rate) in both tiers.
    tier = default_rates("gemini", "gemini-3.1-pro-preview").tier(200_001)
    assert tier == Rates(D("4"), D("18"), D("0.40"), D("4"))
    thirds = rates_from_price(
        {
            "input": "3",
            "output": "1",
            "cache_read": "1",
            "long_context": {"above_tokens": 5, "input": "2"},
        }
    )
    assert thirds.tier(6).cache_read == D("0.666667")  # quantised to the micro-dollar
    assert thirds.tier(6).output == D("1")


@pytest.mark.parametrize(
    "entry",
    [
        {"input": 3.0, "output": "15"},
        {"input": "3", "output": "15", "cache_read": 0.3},
        {"input": "3", "output": "15", "long_context": {"above_tokens": 10, "input": 6.0}},
    ],
)
def test_floats_are_refused_not_converted(entry: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="float"):
        rates_from_price(entry)


def test_rates_and_counts_refuse_nonsense() -> None:
    with pytest.raises(TypeError, match="float"):
        Rates(D(1), 2.0, D(1), D(1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative"):
        Rates(D(1), D(-2), D(1), D(1))
    with pytest.raises(ValueError, match="non-negative int"):
        TokenCounts(fresh_input=-1)
    with pytest.raises(ValueError, match="above_tokens"):
        rates_from_price({"input": "1", "output": "1", "long_context": {"above_tokens": "9"}})


# provider, model, reported (input, output, cache read, cache write, reasoning) -> billable counts
NORMALISATION = [
    # OpenAI/Azure: prompt_tokens includes cached tokens; completion_tokens includes reasoning.
    ("openai", "gpt-5", (10_000, 2_000, 4_000, 0, 500), (6_000, 2_000, 4_000, 0)),
    ("azure", "o4-mini", (1_000, 300, 200, 0, 100), (800, 300, 200, 0)),
    # Anthropic and Bedrock Converse: input excludes cache reads and writes.
    ("anthropic", "claude-opus-4-5", (1_000, 500, 50_000, 10_000, 0), (1_000, 500, 50_000, 10_000)),
    (
        "bedrock",
        "anthropic.claude-sonnet-4-6",
        (2_000, 500, 8_000, 1_000, 0),
        (2_000, 500, 8_000, 1_000),
    ),
    # Gemini: promptTokenCount includes cached content; thoughts are outside candidates.
    ("gemini", "gemini-2.5-flash", (10_000, 1_000, 6_000, 0, 3_000), (4_000, 4_000, 6_000, 0)),
    ("vertex", "gemini-2.5-pro", (1_000, 100, 400, 0, 50), (600, 150, 400, 0)),
    # Vertex serving Claude behaves like Anthropic.
    ("vertex", "claude-sonnet-4@20250514", (1_000, 100, 4_000, 0, 0), (1_000, 100, 4_000, 0)),
]


@pytest.mark.parametrize(("provider", "model", "reported", "expected"), NORMALISATION)
def test_each_provider_is_normalised_to_billable_buckets(
    provider: str,
    model: str,
    reported: tuple[int, int, int, int, int],
    expected: tuple[int, int, int, int],
) -> None:
    assert normalise_tokens(provider, model, *reported) == TokenCounts(*expected)


def test_unknown_providers_are_taken_as_openai_compatible() -> None:
    assert token_convention("my-vllm", "llama") == token_convention("openai", "gpt-4o")


def test_inconsistent_reports_are_clamped_never_negative() -> None:
    openai = token_convention("openai", "gpt-4o")
    assert split_counts(openai, 100, 50, 300, 0, 0) == (0, 50, ANOMALY_CACHE_EXCEEDS_INPUT)
    assert split_counts(openai, 100, 50, 0, 0, 80) == (100, 80, ANOMALY_REASONING_EXCEEDS_OUTPUT)
    assert split_counts(openai, 100, 50, 40, 0, 10) == (60, 50, None)
    assert normalise_tokens("openai", "gpt-4o", 100, 50, 300, 0, 0) == TokenCounts(0, 50, 300, 0)


@given(
    provider=st.sampled_from(["openai", "azure", "anthropic", "bedrock", "gemini", "vertex"]),
    model=st.sampled_from(["claude-x", "gemini-y", "gpt-z"]),
    fresh=st.integers(0, 10**7),
    cache_read=st.integers(0, 10**7),
    cache_write=st.integers(0, 10**7),
    visible=st.integers(0, 10**6),
    reasoning=st.integers(0, 10**6),
)
def test_no_token_is_billed_twice_or_dropped(
    provider: str,
    model: str,
    fresh: int,
    cache_read: int,
    cache_write: int,
    visible: int,
    reasoning: int,
) -> None:
    convention = token_convention(provider, model)
    reported_input = fresh + (cache_read + cache_write if convention.input_includes_cache else 0)
    reported_output = visible + (reasoning if convention.output_includes_reasoning else 0)
    counts = normalise_tokens(
        provider, model, reported_input, reported_output, cache_read, cache_write, reasoning
    )
    assert counts == TokenCounts(fresh, visible + reasoning, cache_read, cache_write)
    assert prompt_tokens(counts) == fresh + cache_read + cache_write


def test_cost_is_exact_per_bucket() -> None:
    counts = TokenCounts(fresh_input=6_000, output=2_000, cache_read=4_000)
    # 6000 x 2.50 + 2000 x 10 + 4000 x 1.25 = 40000 micro-dollars.
    assert cost_of(counts, default_rates("openai", "gpt-4o")) == D("0.04")
    one_token = TokenCounts(output=1)
    assert cost_of(one_token, default_rates("openai", "gpt-5-nano")) == D("0.0000004")
    assert format_usd(cost_of(one_token, default_rates("openai", "gpt-5-nano"))) == "0.000000"


def test_long_context_prices_the_whole_request() -> None:
    rates = default_rates("anthropic", "claude-sonnet-4-0")
    long_request = TokenCounts(5_000, 1_000, 150_000, 50_000)  # 205k prompt tokens
    # All at 6 / 22.50 / 0.60 / 7.50: 30000 + 22500 + 90000 + 375000.
    assert cost_of(long_request, rates) == D("0.5175")
    at_threshold = TokenCounts(100_000, 10, 100_000, 0)  # exactly 200k: not above it
    assert cost_of(at_threshold, rates) == D("0.33015")


def test_output_alone_never_selects_long_context() -> None:
    rates = default_rates("anthropic", "claude-sonnet-4-0")
    assert cost_of(TokenCounts(output=300_000), rates) == D("4.5")


rates_strategy = st.builds(
    Rates,
    *[st.decimals(min_value=0, max_value=1000, places=6) for _ in range(4)],
)
counts_strategy = st.builds(TokenCounts, *[st.integers(0, 10**12) for _ in range(4)])


@given(rates=rates_strategy, parts=st.lists(counts_strategy, max_size=20))
def test_pricing_a_sum_equals_the_sum_of_prices(rates: Rates, parts: list[TokenCounts]) -> None:
    total = sum(parts, TokenCounts())
    assert tier_cost(total, rates) == sum((tier_cost(part, rates) for part in parts), D(0))


@given(rates=rates_strategy, counts=counts_strategy)
def test_costs_are_exact_micro_rate_arithmetic(rates: Rates, counts: TokenCounts) -> None:
    micro_total = (
        int(rates.input * 10**6) * counts.fresh_input
        + int(rates.output * 10**6) * counts.output
        + int(rates.cache_read * 10**6) * counts.cache_read
        + int(rates.cache_write * 10**6) * counts.cache_write
    )
    assert tier_cost(counts, rates) == D(micro_total).scaleb(-12)

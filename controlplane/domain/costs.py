"""Pricing math: provider token counts normalised to billable buckets, priced exactly in Decimal.

Rates are USD per 1M tokens. A cost is `sum(tokens x rate) / 10**6`, computed exactly (no
rounding anywhere); quantisation to 6 decimals happens once, at the end, with `money.format_usd`.

For a fixed rate tier the cost is linear in the token counts, so pricing the sum of many
requests' counts equals the sum of their individual costs exactly: usage ingestion relies on it
and prices once per aggregate, having chosen each request's tier (`Rates.tier`) per request.

Provider token conventions (what the reported numbers include), verified 2026-11 against:

| provider (model)        | reported input tokens            | reported output tokens            |
|-------------------------|----------------------------------|-----------------------------------|
| openai, azure           | include cache reads (and writes) | include reasoning tokens          |
| anthropic               | exclude cache reads and writes   | include thinking tokens           |
| bedrock (Converse)      | exclude cache reads and writes   | include reasoning tokens          |
| gemini                  | include cached content tokens    | exclude thoughts (output-billed)  |
| vertex, gemini models   | like gemini                      | like gemini                       |
| vertex, claude models   | like anthropic                   | like anthropic                    |

Sources (OpenAI/Azure: cached tokens are a subset of the prompt, reasoning a subset of completion):
- https://community.openai.com/t/how-to-calculate-only-uncached-tokens/1380908
- https://learn.microsoft.com/en-us/dotnet/api/azure.ai.projects.agents.agentoptimizationjobtokenusage.cachedtokens?view=azure-dotnet-preview
- https://mock-server.com/versions/7.3.0/apidocs/org/mockserver/model/Usage.html
Anthropic (input_tokens + cache_read_input_tokens + cache_creation_input_tokens = whole prompt):
- https://skills.sh/letta-ai/letta/llm-provider-usage-statistics
- https://docs.rs/akribes-sdk/latest/akribes_sdk/models/struct.TokenUsage.html
Bedrock Converse (inputTokens is the non-cached part; cacheRead/WriteInputTokens are separate):
- https://docs.aws.amazon.com/it_it/bedrock/latest/APIReference/API_runtime_TokenUsage.html
- https://github.com/anomalyco/opencode/pull/38427 (citing AWS's prompt-caching guide)
Gemini (promptTokenCount includes cachedContentTokenCount; thoughtsTokenCount is separate from
candidatesTokenCount and billed at the output rate):
- https://hexdocs.pm/geminix/Geminix.V1beta.UsageMetadata.html (mirrors the API reference)
- https://firebase.google.com/docs/reference/js/ai.usagemetadata
- https://discuss.ai.google.dev/t/do-thinkingbudget-tokens-count-toward-billed-output-in-gemini-2-5-flash/93491
- https://github.com/rilldata/rill/pull/9888 (quotes ai.google.dev thinking#pricing)

These are the providers' own conventions. agentgateway v1.4.1 logs them unchanged: its
`gen_ai.usage.input_tokens` is the provider's number (it reaches Gemini through Google's
OpenAI-compatible endpoint, whose completion_tokens also leave thoughts out). agentgateway PR
#2880 (merged 2026-08-05, after v1.4.1) makes `input_tokens` include cache tokens for every
provider: re-check this table before upgrading the gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, InvalidOperation, Rounded
from typing import Any

from controlplane.money import USD_QUANTUM, parse_usd

TOKENS_PER_RATE_UNIT = 1_000_000
"""Rates are quoted per this many tokens."""

# Enough digits for any realistic rate x token product; the traps turn a (theoretical) loss of
# exactness into an error instead of a silently rounded bill.
_EXACT = Context(prec=200, traps=[Inexact, Rounded, InvalidOperation])

ANOMALY_CACHE_EXCEEDS_INPUT = "cache_exceeds_input"
"""Input said to include cached tokens is smaller than them: fresh input clamped to 0."""
ANOMALY_REASONING_EXCEEDS_OUTPUT = "reasoning_exceeds_output"
"""Output said to include reasoning is smaller than it: output raised to the reasoning count."""


def _rate(value: Any, name: str) -> Decimal:
    """A rate from a decimal string or Decimal; floats are refused, never converted."""
    if isinstance(value, Decimal):
        rate = value
    elif isinstance(value, str):
        rate = parse_usd(value)
    else:
        raise TypeError(f"{name} must be a decimal string or Decimal, not {type(value).__name__}")
    if not rate.is_finite() or rate < 0:
        raise ValueError(f"{name} must be a finite, non-negative amount: {rate}")
    return rate


@dataclass(frozen=True, slots=True)
class LongContext:
    """The tier that applies to a whole request whose prompt exceeds `above_tokens`."""

    above_tokens: int
    rates: Rates

    def __post_init__(self) -> None:
        if type(self.above_tokens) is not int or self.above_tokens < 0:
            raise ValueError(f"above_tokens must be a non-negative int: {self.above_tokens!r}")
        if self.rates.long_context is not None:
            raise ValueError("a long-context tier cannot have its own long-context tier")


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per 1M tokens for each billable bucket, with an optional long-context tier."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    long_context: LongContext | None = None

    def __post_init__(self) -> None:
        for name in ("input", "output", "cache_read", "cache_write"):
            value = getattr(self, name)
            if not isinstance(value, Decimal):
                raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
            _rate(value, name)

    @property
    def long_context_above(self) -> int | None:
        """The prompt size above which the long-context tier applies, if there is one."""
        return None if self.long_context is None else self.long_context.above_tokens

    def tier(self, prompt: int) -> Rates:
        """The rates that price a whole request of `prompt` prompt tokens."""
        tier = self.long_context
        if tier is not None and prompt > tier.above_tokens:
            return tier.rates
        return self


def _derived_cache_rate(base_cache: Decimal, base_input: Decimal, tier_input: Decimal) -> Decimal:
    """A cache rate the long-context tier leaves out: the base cache rate scaled like input."""
    # Providers quote cache prices as multiples of the input price (Anthropic: "multipliers apply
    # on top" of long-context rates), so scaling by the tier's input ratio keeps the multiple.
    if base_input == 0:
        return tier_input
    wide = Context(prec=60)
    scaled = wide.divide(wide.multiply(base_cache, tier_input), base_input)
    return scaled.quantize(USD_QUANTUM, rounding=ROUND_HALF_EVEN)


def rates_from_price(entry: Mapping[str, Any]) -> Rates:
    """Rates from a price entry (the default table's or an override's shape).

    Missing rates, decided here once: `cache_read` and `cache_write` default to the input rate
    (a provider that lists no cache price bills those tokens as plain input, e.g. OpenAI writes,
    Gemini implicit caching). In the long-context tier a missing `input`/`output` keeps the base
    rate, and a missing cache rate is the base tier's cache rate scaled by the tier's input
    ratio, quantised to 6 decimals.
    """
    base_input = _rate(entry.get("input"), "input")
    base_output = _rate(entry.get("output"), "output")
    base_read = _optional_rate(entry, "cache_read", base_input)
    base_write = _optional_rate(entry, "cache_write", base_input)
    long_context = None
    tier = entry.get("long_context")
    if tier is not None:
        above = tier.get("above_tokens")
        if type(above) is not int:
            raise ValueError(f"long_context.above_tokens must be an int: {above!r}")
        tier_input = _optional_rate(tier, "input", base_input)
        tier_output = _optional_rate(tier, "output", base_output)
        tier_read = tier.get("cache_read")
        tier_write = tier.get("cache_write")
        long_context = LongContext(
            above_tokens=above,
            rates=Rates(
                input=tier_input,
                output=tier_output,
                cache_read=_rate(tier_read, "long_context.cache_read")
                if tier_read is not None
                else _derived_cache_rate(base_read, base_input, tier_input),
                cache_write=_rate(tier_write, "long_context.cache_write")
                if tier_write is not None
                else _derived_cache_rate(base_write, base_input, tier_input),
            ),
        )
    return Rates(base_input, base_output, base_read, base_write, long_context)


def _optional_rate(entry: Mapping[str, Any], name: str, default: Decimal) -> Decimal:
    value = entry.get(name)
    return default if value is None else _rate(value, name)


@dataclass(frozen=True, slots=True)
class TokenCounts:
    """Billable token buckets of one request or of many summed; no token is in two buckets."""

    fresh_input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0

    def __post_init__(self) -> None:
        for name in ("fresh_input", "output", "cache_read", "cache_write"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise ValueError(f"{name} must be a non-negative int: {value!r}")

    def __add__(self, other: TokenCounts) -> TokenCounts:
        return TokenCounts(
            self.fresh_input + other.fresh_input,
            self.output + other.output,
            self.cache_read + other.cache_read,
            self.cache_write + other.cache_write,
        )


@dataclass(frozen=True, slots=True)
class TokenConvention:
    """What a provider's reported input and output token counts include."""

    input_includes_cache: bool
    output_includes_reasoning: bool


OPENAI_CONVENTION = TokenConvention(input_includes_cache=True, output_includes_reasoning=True)
ANTHROPIC_CONVENTION = TokenConvention(input_includes_cache=False, output_includes_reasoning=True)
GEMINI_CONVENTION = TokenConvention(input_includes_cache=True, output_includes_reasoning=False)

PROVIDER_CONVENTIONS: Mapping[str, TokenConvention] = {
    "openai": OPENAI_CONVENTION,
    "azure": OPENAI_CONVENTION,
    "anthropic": ANTHROPIC_CONVENTION,
    "bedrock": ANTHROPIC_CONVENTION,
    "gemini": GEMINI_CONVENTION,
}
"""Conventions by provider (names of controlplane.domain.providers); vertex depends on the model."""


def token_convention(provider: str, model: str) -> TokenConvention:
    """The convention of a provider serving a model; unknown providers are OpenAI-compatible."""
    if provider == "vertex":
        # Vertex serves Claude through Anthropic's own Messages API and usage object.
        return ANTHROPIC_CONVENTION if "claude" in model.lower() else GEMINI_CONVENTION
    # OpenAI's wire format is what custom, OpenAI-compatible upstreams speak.
    return PROVIDER_CONVENTIONS.get(provider, OPENAI_CONVENTION)


def split_counts(
    convention: TokenConvention,
    input_tokens: int,
    output_tokens: int,
    cache_read: int,
    cache_write: int,
    reasoning: int,
) -> tuple[int, int, str | None]:
    """(fresh input, billable output, anomaly or None) from one request's reported counts.

    The one place the conventions are applied; callers pass non-negative ints. Inconsistent
    reports are clamped (never negative, never below a reported bucket) and named as anomalies.
    """
    anomaly = None
    if convention.input_includes_cache:
        fresh = input_tokens - cache_read - cache_write
        if fresh < 0:
            fresh = 0
            anomaly = ANOMALY_CACHE_EXCEEDS_INPUT
    else:
        fresh = input_tokens
    if convention.output_includes_reasoning:
        output = output_tokens
        if reasoning > output_tokens:
            output = reasoning
            anomaly = anomaly or ANOMALY_REASONING_EXCEEDS_OUTPUT
    else:
        output = output_tokens + reasoning
    return fresh, output, anomaly


def normalise_tokens(
    provider: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cache_read: int,
    cache_write: int,
    reasoning: int,
) -> TokenCounts:
    """One request's reported counts as billable buckets: each token once, reasoning as output."""
    fresh, output, _ = split_counts(
        token_convention(provider, model),
        input_tokens,
        output_tokens,
        cache_read,
        cache_write,
        reasoning,
    )
    return TokenCounts(fresh, output, cache_read, cache_write)


def prompt_tokens(counts: TokenCounts) -> int:
    """The request's whole prompt, which decides its long-context tier."""
    return counts.fresh_input + counts.cache_read + counts.cache_write


def tier_cost(counts: TokenCounts, rates: Rates) -> Decimal:
    """Exact cost at exactly these rates (no tier selection): linear in the counts."""
    ctx = _EXACT
    total = ctx.add(
        ctx.add(
            ctx.multiply(rates.input, counts.fresh_input),
            ctx.multiply(rates.output, counts.output),
        ),
        ctx.add(
            ctx.multiply(rates.cache_read, counts.cache_read),
            ctx.multiply(rates.cache_write, counts.cache_write),
        ),
    )
    return ctx.divide(total, TOKENS_PER_RATE_UNIT)


def add_costs(*amounts: Decimal) -> Decimal:
    """The exact sum of costs (the default context would round beyond 28 digits)."""
    total = Decimal(0)
    for amount in amounts:
        total = _EXACT.add(total, amount)
    return total


def cost_of(counts: TokenCounts, rates: Rates) -> Decimal:
    """Exact cost of one request, at the tier its prompt size selects (for the whole request)."""
    return tier_cost(counts, rates.tier(prompt_tokens(counts)))

"""Realistic agentgateway JSON access logs, deterministic for a seed (tests and benchmarks).

Lines look like agentgateway v1.4's `request` log (compact JSON, absent values left out) plus the
fields the rendered config adds (gateway_protocol.ACCESS_LOG_ADDED_FIELDS). Token counts follow
each provider's own convention (see controlplane.domain.costs), modelled here independently of
the code that normalises them. The mix has cache reads and writes, reasoning, streaming,
long-context prompts, upstream errors with and without usage, unknown models, lines without a
client id, non-LLM requests and a few malformed lines.
"""

from __future__ import annotations

import json
import math
import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import TypeVar

from controlplane.gateway_protocol import (
    ACCESS_LOG_ADDED_FIELDS,
    LOG_CACHE_READ_TOKENS,
    LOG_CACHE_WRITE_TOKENS,
    LOG_CLIENT_ID,
    LOG_INPUT_TOKENS,
    LOG_OUTPUT_TOKENS,
    LOG_PATH,
    LOG_PROVIDER,
    LOG_REASONING_TOKENS,
    LOG_REQUEST_MODEL,
    LOG_RESPONSE_MODEL,
    LOG_SCOPE,
    LOG_STATUS,
    LOG_STREAMING,
    LOG_TIME,
    PROVIDER_LOG_NAMES,
)
from controlplane.pricing import default_prices

_T = TypeVar("_T")

FORMAT_VERSION = 1
"""Changes whenever the output for a given seed changes (benchmark caches are keyed by it)."""

DEFAULT_START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
"""Half a day before a month boundary, so a day of logs spans two months."""

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_CLIENT_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

# How often each case occurs (the first two share one uniform draw, the rest draw their own).
_NON_LLM_SHARE = 0.015
_MALFORMED_SHARE = 0.002
_UNKNOWN_MODEL_SHARE = 0.01
_NO_CLIENT_SHARE = 0.01
_ERROR_SHARE = 0.04
_ERROR_WITH_USAGE_SHARE = 0.25
_CACHE_SHARE = 0.35
_LONG_CONTEXT_SHARE = 0.03

_PROVIDER_WEIGHTS = {
    "anthropic": 30,
    "openai": 30,
    "bedrock": 15,
    "gemini": 10,
    "vertex": 8,
    "azure": 7,
}
_ENDPOINTS = {
    "anthropic": "api.anthropic.com:443",
    "openai": "api.openai.com:443",
    "bedrock": "bedrock-runtime.us-east-1.amazonaws.com:443",
    "gemini": "generativelanguage.googleapis.com:443",
    "vertex": "us-east5-aiplatform.googleapis.com:443",
    "azure": "contoso-eastus.openai.azure.com:443",
}
_UNKNOWN_MODELS = {
    "anthropic": ("claude-experimental-9",),
    "openai": ("gpt-7-preview", "o9-mini"),
    "bedrock": ("meta.llama4-maverick-17b-instruct-v1:0", "amazon.nova-pro-v1:0"),
    "gemini": ("gemini-4-ultra-preview",),
    "vertex": ("gemini-2.5-pro", "claude-mythos-5@20261001"),
    "azure": ("gpt-5-chat",),
}
_ERRORS = (
    (429, "upstream rate limited"),
    (429, "upstream rate limited"),
    (500, "upstream call failed: internal error"),
    (503, "upstream call failed: service unavailable"),
    (529, "upstream overloaded"),
    (400, "invalid request"),
)
_NON_LLM_PATHS = ("/healthz", "/healthz", "/metrics", "/readyz", "/v1/models")


@dataclass(frozen=True, slots=True)
class _Model:
    provider: str
    model: str
    response_models: tuple[str, ...]
    long_context_above: int | None
    reasoning: bool
    anthropic_format: bool
    input_includes_cache: bool
    reasoning_in_output: bool


def _is_reasoning_model(provider: str, model: str) -> bool:
    name = model.lower()
    if provider in ("openai", "azure"):
        return name.startswith(("o3", "o4", "gpt-5"))
    if provider in ("gemini", "vertex") and "gemini" in name:
        return "2.0" not in name
    return "claude" in name and "3-5" not in name


def _catalogue() -> dict[str, list[_Model]]:
    """Models of the default price table by provider, with how each reports its tokens."""
    by_provider: dict[str, list[_Model]] = {provider: [] for provider in _PROVIDER_WEIGHTS}
    names = {(key.provider, key.model) for key in default_prices()}
    for key, price in sorted(default_prices().items()):
        if key.provider not in by_provider:
            continue
        # A dated snapshot answers for its alias, as providers do (gpt-4o -> gpt-4o-2024-08-06).
        dated = tuple(
            other
            for provider, other in sorted(names)
            if provider == key.provider
            and other.startswith(key.model + "-")
            and other[-1].isdigit()
        )
        by_provider[key.provider].append(_model(key.provider, key.model, dated, price))
    for provider, unknown in _UNKNOWN_MODELS.items():
        by_provider[provider + "?"] = [_model(provider, model, (), {}) for model in unknown]
    return by_provider


def _model(provider: str, model: str, dated: tuple[str, ...], price: dict[str, object]) -> _Model:
    claude = "claude" in model
    tier = price.get("long_context")
    above = tier.get("above_tokens") if isinstance(tier, dict) else None
    gemini_like = provider == "gemini" or (provider == "vertex" and not claude)
    return _Model(
        provider=provider,
        model=model,
        response_models=dated[:1] or (model,),
        long_context_above=above if isinstance(above, int) else None,
        reasoning=_is_reasoning_model(provider, model),
        anthropic_format=claude,
        # Anthropic's usage and Bedrock's Converse usage keep cache tokens out of input.
        input_includes_cache=provider not in ("anthropic", "bedrock") and not claude,
        reasoning_in_output=not gemini_like,
    )


def generated_teams(count: int = 40, *, seed: int = 0) -> list[tuple[str, list[str]]]:
    """`count` teams with 1 to 4 client ids each: (team id, client ids), deterministic."""
    rnd = random.Random(f"teams-{seed}")  # noqa: S311 - reproducible test data, not secrets
    teams = []
    for _ in range(count):
        team_id = "team_" + "".join(rnd.choice(_ALPHABET) for _ in range(26))
        clients = [
            "".join(rnd.choice(_CLIENT_ALPHABET) for _ in range(26))
            for _ in range(rnd.randint(1, 4))
        ]
        teams.append((team_id, clients))
    return teams


class _Draw:
    """Fast draws from one seeded generator (random's own helpers cost several times more)."""

    __slots__ = ("bits", "gauss", "uniform")

    def __init__(self, seed: int | str) -> None:
        rnd = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.uniform = rnd.random
        self.gauss = rnd.gauss
        self.bits = rnd.getrandbits

    def below(self, bound: int) -> int:
        return int(self.uniform() * bound)

    def pick(self, items: Sequence[_T]) -> _T:
        return items[int(self.uniform() * len(items))]

    def weighted(self, items: Sequence[_T], cumulative: Sequence[float]) -> _T:
        return items[bisect(cumulative, self.uniform() * cumulative[-1])]

    def lognormal(self, mu: float, sigma: float) -> int:
        return int(math.exp(mu + sigma * self.gauss()))

    def hex(self, digits: int) -> str:
        return f"{self.bits(4 * digits):0{digits}x}"


def generate_access_log(
    lines: int,
    *,
    seed: int,
    start: datetime = DEFAULT_START,
    teams: Sequence[tuple[str, Sequence[str]]] | None = None,
    duration: timedelta = timedelta(days=1),
) -> Iterator[str]:
    """`lines` access-log lines (no newline) spread evenly over `duration` from `start`.

    `teams` maps team ids to their client ids (busier teams first: team i gets weight 1/(i+1));
    None means `generated_teams()`. A naive `start` is taken as UTC.
    """
    draw = _Draw(seed)
    uniform = draw.uniform
    catalogue = _catalogue()
    providers = list(_PROVIDER_WEIGHTS)
    provider_cumulative = list(accumulate(_PROVIDER_WEIGHTS.values()))
    team_list = generated_teams() if teams is None else teams
    clients = [client for _, team_clients in team_list for client in team_clients]
    client_cumulative = list(
        accumulate(
            1 / (index + 1)
            for index, (_, team_clients) in enumerate(team_list)
            for _ in team_clients
        )
    )
    if start.tzinfo is not None:
        start = start.astimezone(UTC).replace(tzinfo=None)
    start_us = (start - datetime(1970, 1, 1)) // timedelta(microseconds=1)
    span_us = duration // timedelta(microseconds=1)
    last_second = None
    second_text = ""
    for index in range(lines):
        # Even spacing plus jitter under a millisecond; the text of a second is built once.
        moment_us = start_us + index * span_us // max(lines, 1) + draw.below(1000)
        second, micros = divmod(moment_us, 1_000_000)
        if second != last_second:
            last_second = second
            second_text = (datetime(1970, 1, 1) + timedelta(seconds=second)).isoformat()
        moment = f"{second_text}.{micros:06d}Z"
        kind = uniform()
        if kind < _NON_LLM_SHARE:
            yield _non_llm_line(draw, moment)
            continue
        if kind < _NON_LLM_SHARE + _MALFORMED_SHARE:
            yield _malformed_line(draw, moment)
            continue
        provider = draw.weighted(providers, provider_cumulative)
        unknown = uniform() < _UNKNOWN_MODEL_SHARE
        model = draw.pick(catalogue[provider + "?"] if unknown else catalogue[provider])
        client = None
        if clients and uniform() >= _NO_CLIENT_SHARE:
            client = draw.weighted(clients, client_cumulative)
        yield _llm_line(draw, moment, model, client)


def _address(draw: _Draw) -> str:
    bits = draw.bits(40)  # one draw, sliced: 8 + 8 + 8 + 16 bits
    return (
        f"10.{bits & 255}.{(bits >> 8) & 255}.{1 + (bits >> 16) % 254}:"
        f"{1024 + (bits >> 24) % 64512}"
    )


def _non_llm_line(draw: _Draw, moment: str) -> str:
    return (
        f'{{"level":"info","{LOG_TIME}":"{moment}","{LOG_SCOPE}":"request",'
        f'"gateway":"default/llm-gateway","listener":"http","src.addr":"{_address(draw)}",'
        f'"http.method":"GET","http.host":"llm.internal.example",'
        f'"{LOG_PATH}":"{draw.pick(_NON_LLM_PATHS)}","http.version":"HTTP/1.1",'
        f'"{LOG_STATUS}":200,"duration":"{draw.below(3)}ms"}}'
    )


def _malformed_line(draw: _Draw, moment: str) -> str:
    valid = json.dumps(
        {
            LOG_TIME: moment,
            LOG_SCOPE: "request",
            LOG_PROVIDER: "openai",
            LOG_REQUEST_MODEL: "gpt-4o",
            LOG_INPUT_TOKENS: 120,
            LOG_OUTPUT_TOKENS: 40,
        },
        separators=(",", ":"),
    )
    # A truncated write, a count as a string, a negative count, not an object, not JSON.
    choice = draw.below(5)
    if choice == 0:
        return valid[: 5 + draw.below(len(valid) - 6)]
    if choice == 1:
        return valid.replace(f'"{LOG_INPUT_TOKENS}":120', f'"{LOG_INPUT_TOKENS}":"120"')
    if choice == 2:
        return valid.replace(f'"{LOG_OUTPUT_TOKENS}":40', f'"{LOG_OUTPUT_TOKENS}":-40')
    if choice == 3:
        return '["not","an","object"]'
    return f"thread 'tokio-runtime-worker' panicked at {moment}"


def _llm_line(draw: _Draw, moment: str, model: _Model, client: str | None) -> str:
    """One LLM request's line, written as text: every value is plain ASCII without quotes or
    backslashes (model names, ids, numbers), so no escaping is needed and a test checks it."""
    uniform = draw.uniform
    streaming = uniform() < 0.4
    failed = uniform() < _ERROR_SHARE
    status, error = draw.pick(_ERRORS) if failed else (200, None)
    with_usage = not failed or uniform() < _ERROR_WITH_USAGE_SHARE
    if model.anthropic_format and uniform() < 0.6:
        path = "/v1/messages"
    elif model.provider in ("openai", "azure") and uniform() < 0.15:
        path = "/v1/responses"
    else:
        path = "/v1/chat/completions"
    parts = [
        f'{{"level":"info","{LOG_TIME}":"{moment}","{LOG_SCOPE}":"request",'
        f'"gateway":"default/llm-gateway","listener":"http","route":"default/llm",'
        f'"endpoint":"{_ENDPOINTS[model.provider]}","src.addr":"{_address(draw)}",'
        f'"http.method":"POST","http.host":"llm.internal.example","{LOG_PATH}":"{path}",'
        f'"http.version":"HTTP/1.1","{LOG_STATUS}":{status},"trace.id":"{draw.hex(32)}",'
        f'"span.id":"{draw.hex(16)}","protocol":"llm","gen_ai.operation.name":"chat",'
        f'"{LOG_PROVIDER}":"{PROVIDER_LOG_NAMES[model.provider]}",'
        f'"{LOG_REQUEST_MODEL}":"{model.model}"'
    ]
    added: dict[str, str | int | None] = {
        LOG_CLIENT_ID: None if client is None else f'"{client}"',
        LOG_STREAMING: "true" if streaming else "false",
    }
    if with_usage:
        input_tokens, output_tokens, cache_read, cache_write, reasoning = _usage(
            draw, model, partial=failed
        )
        parts.append(
            f',"{LOG_RESPONSE_MODEL}":"{draw.pick(model.response_models)}",'
            f'"{LOG_INPUT_TOKENS}":{input_tokens},"{LOG_OUTPUT_TOKENS}":{output_tokens}'
        )
        # What each provider's usage object has: cached reads everywhere, writes only in
        # Anthropic-style usage, a separate reasoning count only in OpenAI's and Gemini's.
        added[LOG_CACHE_READ_TOKENS] = cache_read
        if not model.input_includes_cache:
            added[LOG_CACHE_WRITE_TOKENS] = cache_write
        if model.input_includes_cache and reasoning:
            added[LOG_REASONING_TOKENS] = reasoning
    if uniform() < 0.3:
        parts.append(f',"gen_ai.request.temperature":{draw.pick((0.0, 0.2, 0.7, 1.0))}')
    if uniform() < 0.5:
        parts.append(f',"gen_ai.request.max_tokens":{draw.pick((1024, 4096, 8192, 32000))}')
    if error is not None:
        parts.append(f',"error":"{error}"')
    parts.append(f',"duration":"{draw.lognormal(7.0, 0.9)}ms"')
    # The config's fields follow agentgateway's own; CEL that yields null writes nothing.
    for name in ACCESS_LOG_ADDED_FIELDS:
        value = added.get(name)
        if value is not None:
            parts.append(f',"{name}":{value}')
    parts.append("}")
    return "".join(parts)


def _usage(draw: _Draw, model: _Model, *, partial: bool) -> tuple[int, int, int, int, int]:
    """(input, output, cache read, cache write, reasoning) as the provider reports them."""
    uniform = draw.uniform
    prompt = draw.lognormal(7.5, 1.4) + 8
    if model.long_context_above is not None and uniform() < _LONG_CONTEXT_SHARE:
        prompt = model.long_context_above + 1 + draw.below(300_000)
    cache_read = cache_write = 0
    if uniform() < _CACHE_SHARE:
        cached = int(prompt * uniform())
        if not model.input_includes_cache and uniform() < 0.3:
            cache_write = cached
        else:
            cache_read = cached
    fresh = prompt - cache_read - cache_write
    visible = draw.lognormal(5.5, 1.1) + 1
    reasoning = draw.lognormal(6.5, 1.2) if model.reasoning and uniform() < 0.6 else 0
    if partial:
        visible //= 4
        reasoning //= 4
    reported_input = prompt if model.input_includes_cache else fresh
    reported_output = visible + reasoning if model.reasoning_in_output else visible
    return reported_input, reported_output, cache_read, cache_write, reasoning


def write_access_log(
    path: Path | str,
    lines: int,
    seed: int,
    *,
    start: datetime = DEFAULT_START,
    teams: Sequence[tuple[str, Sequence[str]]] | None = None,
    duration: timedelta = timedelta(days=1),
) -> int:
    """Write `generate_access_log(...)` to `path`, one line each; returns the number written."""
    written = 0
    chunk: list[str] = []
    with open(path, "w", encoding="utf-8") as out:
        for line in generate_access_log(
            lines, seed=seed, start=start, teams=teams, duration=duration
        ):
            chunk.append(line)
            if len(chunk) == 10_000:
                out.write("\n".join(chunk) + "\n")
                written += len(chunk)
                chunk.clear()
        if chunk:
            out.write("\n".join(chunk) + "\n")
            written += len(chunk)
    return written

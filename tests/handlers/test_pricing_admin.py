"""pricing_admin through API Gateway proxy events, validated against openapi.yaml."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from controlplane.domain.pricing import PriceKey
from controlplane.domain.usage import UNATTRIBUTED, UsageKey
from controlplane.gateway_protocol import (
    LOG_CACHE_READ_TOKENS,
    LOG_CACHE_WRITE_TOKENS,
    LOG_INPUT_TOKENS,
    LOG_OUTPUT_TOKENS,
    LOG_PROVIDER,
    LOG_REASONING_TOKENS,
    LOG_REQUEST_MODEL,
    LOG_RESPONSE_MODEL,
    LOG_SCOPE,
    LOG_STATUS,
    LOG_TIME,
)
from controlplane.ingest import Ingestor
from controlplane.pricing import default_prices
from controlplane.services import Services
from tests.conftest import LambdaApi

BEDROCK_SONNET = "anthropic.claude-sonnet-4-20250514-v1:0"


def test_default_price_of_a_bedrock_model_id_with_dots_and_colons(api: LambdaApi) -> None:
    answer = api.get(f"/pricing/bedrock/{BEDROCK_SONNET}")
    assert answer.status == 200
    assert answer.body["source"] == "default"
    assert answer.body["model"] == BEDROCK_SONNET
    assert answer.headers["ETag"] == '"0"'


def test_override_wins_and_delete_reverts_to_the_default(api: LambdaApi) -> None:
    path = f"/pricing/bedrock/{BEDROCK_SONNET}"
    default = api.get(path).body
    # WHEN an operator overrides the price
    created = api.put(
        path,
        {
            "input": "2.5",
            "output": "12",
            "long_context": {"above_tokens": 200000, "input": "5", "output": "20"},
        },
        headers={"If-Match": '"0"'},
    )
    assert created.status == 201
    assert created.headers["Location"] == path
    assert created.body["source"] == "override"
    assert created.body["input"] == "2.500000"
    assert api.get(path).body["input"] == "2.500000"
    # AND replaces it
    replaced = api.put(path, {"input": "2", "output": "10"}, headers={"If-Match": '"1"'})
    assert replaced.status == 200
    assert "long_context" not in replaced.body
    # WHEN the override is deleted, the default applies again
    assert api.delete(path).status == 204
    assert api.get(path).body == default
    assert api.delete(path).status == 404


def test_override_of_a_model_without_default_then_unknown_is_404(api: LambdaApi) -> None:
    path = "/pricing/openai/my-fine-tune-1"
    assert api.get(path).status == 404
    assert api.put(path, {"input": "1", "output": "2"}).status == 201
    assert api.get(path).body["source"] == "override"


def test_unknown_provider_is_422_naming_provider(api: LambdaApi) -> None:
    answer = api.put("/pricing/acme/model-1", {"input": "1", "output": "2"})
    assert answer.status == 422
    assert [e["field"] for e in answer.body["errors"]] == ["provider"]


def test_list_merges_defaults_and_overrides_sorted_and_paginated(api: LambdaApi) -> None:
    api.put("/pricing/openai/zz-custom", {"input": "1", "output": "2"})
    seen = []
    cursor = None
    while True:
        query = {"limit": "100", "provider": "openai"} | ({"cursor": cursor} if cursor else {})
        page = api.get("/pricing", query=query).body
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    keys = [(p["provider"], p["model"]) for p in seen]
    assert keys == sorted(keys)
    assert {p["provider"] for p in seen} == {"openai"}
    openai_defaults = [k for k in default_prices() if k.provider == "openai"]
    assert len(seen) == len(openai_defaults) + 1
    assert seen[-1]["source"] == "override"


def test_the_static_table_covers_claude_gpt_gemini_and_bedrock_ids() -> None:
    keys = default_prices()
    models = {(k.provider, k.model) for k in keys}
    assert ("anthropic", "claude-sonnet-4-5-20250929") in models
    assert ("bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0") in models
    assert ("bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0") in models
    assert ("openai", "gpt-5") in models
    assert ("gemini", "gemini-2.5-pro") in models
    # Bedrock bills the regional endpoint above the global one for newer Claude models
    regional = keys[next(k for k in keys if k.model == "anthropic.claude-sonnet-4-5-20250929-v1:0")]
    global_ = keys[
        next(k for k in keys if k.model == "global.anthropic.claude-sonnet-4-5-20250929-v1:0")
    ]
    assert Decimal(regional["input"]) > Decimal(global_["input"])


# Token counts of one request, as each provider reports them (see controlplane/domain/costs.py):
# (input, output, cache read, cache write, reasoning).
AZURE_COUNTS = (1_000_000, 100_000, 200_000, 0, 30_000)  # 800k fresh + 200k cached; 100k out
NOVA_COUNTS = (1_000_000, 100_000, 200_000, 50_000, 0)  # Converse: input excludes cache
CLAUDE_COUNTS = (10_000, 2_000, 100_000, 20_000, 0)  # 130k prompt: base tier
CLAUDE_LONG = (10_000, 2_000, 250_000, 20_000, 0)  # 280k prompt: long-context tier
GEMINI_COUNTS = (100_000, 10_000, 40_000, 0, 5_000)  # 60k fresh + 40k cached; 10k + 5k thoughts out
GEMINI_LONG = (300_000, 10_000, 100_000, 0, 5_000)  # 300k prompt: above 200k

# Models added to the default table on 2026-12-02, one request each as agentgateway v1.4.1 logs it:
# (log provider, request model, response model, counts) -> (table provider, priced model, USD).
# Azure logs the operator's deployment name as the request model and answers with the dated model;
# Bedrock answers with the requested model id; Vertex Gemini with its modelVersion; Vertex Claude
# is logged as configured (agentgateway rewrites -YYYYMMDD to @YYYYMMDD only in the URL).
ADDED_MODELS: list[tuple[str, str, str | None, tuple[int, ...], str, str, str]] = [
    # Azure: 0.8M fresh x input + 0.1M x output + 0.2M cached x cache_read.
    ("azure", "gpt-5", None, AZURE_COUNTS, "azure", "gpt-5", "2.025"),  # 1 + 1 + 0.025
    ("azure", "team-gpt5", "gpt-5-2025-08-07", AZURE_COUNTS, "azure", "gpt-5-2025-08-07", "2.025"),
    ("azure", "gpt-5-chat", None, AZURE_COUNTS, "azure", "gpt-5-chat", "2.025"),
    ("azure", "gpt-5-mini", None, AZURE_COUNTS, "azure", "gpt-5-mini", "0.405"),  # .2 + .2 + .005
    ("azure", "mini", "gpt-5-mini-2025-08-07", AZURE_COUNTS, "azure", "gpt-5-mini-2025-08-07",
     "0.405"),
    ("azure", "gpt-5-nano", None, AZURE_COUNTS, "azure", "gpt-5-nano", "0.081"),  # .04+.04+.001
    ("azure", "nano", "gpt-5-nano-2025-08-07", AZURE_COUNTS, "azure", "gpt-5-nano-2025-08-07",
     "0.081"),
    ("azure", "o1", None, AZURE_COUNTS, "azure", "o1", "19.5"),  # 12 + 6 + 1.5
    ("azure", "reasoner", "o1-2024-12-17", AZURE_COUNTS, "azure", "o1-2024-12-17", "19.5"),
    ("azure", "o3", None, AZURE_COUNTS, "azure", "o3", "2.5"),  # 1.6 + 0.8 + 0.1
    ("azure", "o3", "o3-2025-04-16", AZURE_COUNTS, "azure", "o3-2025-04-16", "2.5"),
    # Nova: 1M x input + 0.1M x output + 0.2M x cache_read + 0.05M writes x input (no write price).
    ("aws.bedrock", "amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0", NOVA_COUNTS, "bedrock",
     "amazon.nova-micro-v1:0", "0.0525"),  # 0.035 + 0.014 + 0.00175 + 0.00175
    ("aws.bedrock", "us.amazon.nova-micro-v1:0", "us.amazon.nova-micro-v1:0", NOVA_COUNTS,
     "bedrock", "us.amazon.nova-micro-v1:0", "0.0525"),
    ("aws.bedrock", "amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", NOVA_COUNTS, "bedrock",
     "amazon.nova-lite-v1:0", "0.09"),  # 0.06 + 0.024 + 0.003 + 0.003
    ("aws.bedrock", "us.amazon.nova-lite-v1:0", "us.amazon.nova-lite-v1:0", NOVA_COUNTS, "bedrock",
     "us.amazon.nova-lite-v1:0", "0.09"),
    ("aws.bedrock", "amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0", NOVA_COUNTS, "bedrock",
     "amazon.nova-pro-v1:0", "1.2"),  # 0.8 + 0.32 + 0.04 + 0.04
    ("aws.bedrock", "us.amazon.nova-pro-v1:0", "us.amazon.nova-pro-v1:0", NOVA_COUNTS, "bedrock",
     "us.amazon.nova-pro-v1:0", "1.2"),
    ("aws.bedrock", "us.amazon.nova-premier-v1:0", "us.amazon.nova-premier-v1:0", NOVA_COUNTS,
     "bedrock", "us.amazon.nova-premier-v1:0", "4"),  # 2.5 + 1.25 + 0.125 + 0.125
    # Claude on Vertex: 0.01M x input + 0.002M x output + 0.1M x cache_read + 0.02M x cache_write.
    ("gcp.vertex_ai", "claude-3-5-haiku-20241022", None, CLAUDE_COUNTS, "vertex",
     "claude-3-5-haiku-20241022", "0.044"),  # 0.008 + 0.008 + 0.008 + 0.02
    ("gcp.vertex_ai", "claude-3-7-sonnet-20250219", None, CLAUDE_COUNTS, "vertex",
     "claude-3-7-sonnet-20250219", "0.165"),  # 0.03 + 0.03 + 0.03 + 0.075
    ("gcp.vertex_ai", "claude-haiku-4-5-20251001", None, CLAUDE_COUNTS, "vertex",
     "claude-haiku-4-5-20251001", "0.055"),  # 0.01 + 0.01 + 0.01 + 0.025
    ("gcp.vertex_ai", "claude-opus-4-20250514", None, CLAUDE_COUNTS, "vertex",
     "claude-opus-4-20250514", "0.825"),  # 0.15 + 0.15 + 0.15 + 0.375
    ("gcp.vertex_ai", "claude-opus-4-1-20250805", None, CLAUDE_COUNTS, "vertex",
     "claude-opus-4-1-20250805", "0.825"),
    ("gcp.vertex_ai", "claude-opus-4-5-20251101", None, CLAUDE_COUNTS, "vertex",
     "claude-opus-4-5-20251101", "0.275"),  # 0.05 + 0.05 + 0.05 + 0.125
    ("gcp.vertex_ai", "claude-sonnet-4-20250514", None, CLAUDE_COUNTS, "vertex",
     "claude-sonnet-4-20250514", "0.165"),
    ("gcp.vertex_ai", "claude-sonnet-4-5-20250929", None, CLAUDE_COUNTS, "vertex",
     "claude-sonnet-4-5-20250929", "0.165"),
    ("gcp.vertex_ai", "claude-sonnet-4-5-20250929", None, CLAUDE_LONG, "vertex",
     "claude-sonnet-4-5-20250929", "0.405"),  # at 6 / 22.50 / 0.60 / 7.50: .06+.045+.15+.15
    # Gemini on Vertex: 0.06M fresh x input + 0.015M (output + thoughts) x output + 0.04M cached.
    ("gcp.vertex_ai", "gemini-2.5-flash", "gemini-2.5-flash", GEMINI_COUNTS, "vertex",
     "gemini-2.5-flash", "0.0567"),  # 0.018 + 0.0375 + 0.0012
    ("gcp.vertex_ai", "google/gemini-2.5-flash-lite", "gemini-2.5-flash-lite", GEMINI_COUNTS,
     "vertex", "gemini-2.5-flash-lite", "0.0124"),  # 0.006 + 0.006 + 0.0004
    ("gcp.vertex_ai", "gemini-2.5-pro", "gemini-2.5-pro", GEMINI_COUNTS, "vertex",
     "gemini-2.5-pro", "0.23"),  # 0.075 + 0.15 + 0.005
    ("gcp.vertex_ai", "gemini-2.5-pro", "gemini-2.5-pro", GEMINI_LONG, "vertex",
     "gemini-2.5-pro", "0.75"),  # 300k prompt at 2.50 / 15 / 0.25: 0.5 + 0.225 + 0.025
]  # fmt: skip


def agentgateway_line(
    provider: str, request_model: str, response_model: str | None, counts: tuple[int, ...]
) -> str:
    """An LLM request line as agentgateway v1.4.1 writes it with the rendered access-log fields."""
    input_tokens, output_tokens, cache_read, cache_write, reasoning = counts
    entry: dict[str, Any] = {
        LOG_TIME: "2026-12-01T10:00:00Z",
        LOG_SCOPE: "request",
        LOG_STATUS: 200,
        LOG_PROVIDER: provider,
        LOG_REQUEST_MODEL: request_model,
        LOG_INPUT_TOKENS: input_tokens,
        LOG_OUTPUT_TOKENS: output_tokens,
        LOG_CACHE_READ_TOKENS: cache_read,
        LOG_CACHE_WRITE_TOKENS: cache_write,
        LOG_REASONING_TOKENS: reasoning,
    }
    if response_model is not None:
        entry[LOG_RESPONSE_MODEL] = response_model
    return json.dumps(entry)


def test_models_added_to_the_default_table_are_priced_as_agentgateway_logs_them(
    services: Services,
) -> None:
    # GIVEN the default table with no override, read as usage ingestion reads it
    ingestor = Ingestor(services)
    costs = {}
    expected = {}
    for provider, request_model, response_model, counts, table, model, cost in ADDED_MODELS:
        # WHEN one logged request of the model is ingested
        aggregator = ingestor.aggregator()
        aggregator.add_line(agentgateway_line(provider, request_model, response_model, counts))
        result = aggregator.result()
        # THEN it is priced by the added entry, exactly, and nothing is left unpriced
        assert result.unpriced_models == set(), (request_model, result.unpriced_models)
        [(key, totals)] = result.totals.items()
        assert key == UsageKey(UNATTRIBUTED, table, model, "2026-12")
        assert totals.unpriced_requests == 0
        case = f"{provider} {request_model} -> {response_model} {counts}"
        costs[case] = totals.cost_usd
        expected[case] = Decimal(cost)
    assert costs == expected
    # Every added entry is exercised above, and each is a default (not an override or a typo).
    added = {(table, model) for _, _, _, _, table, model, _ in ADDED_MODELS}
    assert len(added) == 29
    assert {PriceKey(*key) for key in added} <= set(default_prices())

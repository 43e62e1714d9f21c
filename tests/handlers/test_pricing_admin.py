"""pricing_admin through API Gateway proxy events, validated against openapi.yaml."""

from __future__ import annotations

from decimal import Decimal

from controlplane.pricing import default_prices
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

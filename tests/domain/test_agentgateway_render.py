"""The agentgateway config: goldens, schema validity, determinism, properties, and the schema copy.

Goldens live in tests/golden/agentgateway/<scenario>.yaml and are compared byte for byte; run with
UPDATE_GOLDEN=1 to rewrite them after an intended change (then review the diff).
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controlplane.agentgateway import SCHEMA_SHA256, schema_text, validate_config
from controlplane.domain.agentgateway import (
    _DETECTOR_PATTERNS,
    _NO_FOLD,
    MODELS_GROUP,
    ROUTED_MODEL_HEADER,
    SCAN_PROFILE_HEADER,
    RenderedConfig,
    RenderInputs,
    RenderSettings,
    _Dumper,
    render_config,
    shell_safe_regex,
)
from controlplane.domain.providers import PROVIDERS, REGIONAL_PROVIDERS
from controlplane.domain.scanner import regex_problem
from controlplane.gateway_protocol import (
    ACCESS_LOG_ADDED_FIELDS,
    BUDGET_CHECK_PATH,
    WEBHOOK_ADDED_HEADERS,
    WEBHOOK_FORWARDED_HEADERS,
    WEBHOOK_RESTORED_HEADERS,
)
from generated.models import (
    AppliesTo,
    BedrockGuardrail,
    DetectorRule,
    LongContextPrice,
    Price,
    RegexRule,
    RetryPolicy,
    RoutingRule,
    RoutingTarget,
    ScannerPolicy,
)
from tests.support.agentgateway_readers import agentgateway_problems

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "agentgateway"
SHARED_SCHEMA = (
    Path(__file__).resolve().parents[3] / "shared" / "agentgateway" / "config.schema.json"
)
AT = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
FINANCE = "tm_" + "finance".rjust(26, "0")
RESEARCH = "tm_" + "research".rjust(26, "0")
ENV_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
SHELL_VARIABLE = re.compile(r"\$(?:[A-Za-z0-9_{$]|[^\x00-\x7f])")
"""What shellexpand reads after `$`: a name (Unicode alphanumerics), `{`, or `$` (`$$` is `$`)."""


# Builders -----------------------------------------------------------------------------------------


def rule(
    model: str,
    targets: list[dict[str, Any]],
    *,
    strategy: str = "failover",
    retry: dict[str, Any] | None = None,
    enabled: bool = True,
    n: int = 1,
) -> RoutingRule:
    return RoutingRule.model_validate(
        {
            "rule_id": f"rt_{n:026d}",
            "model": model,
            "strategy": strategy,
            "targets": targets,
            "retry": retry or {"attempts": 1, "on_status": [429, 500, 502, 503, 504]},
            "enabled": enabled,
            "created_at": AT,
            "updated_at": AT,
        }
    )


def policy(name: str, *, n: int = 1, enabled: bool = True, **fields: Any) -> ScannerPolicy:
    return ScannerPolicy.model_validate(
        {
            "policy_id": f"sp_{n:026d}",
            "name": name,
            "applies_to": {"mode": "all"},
            "phase": "request",
            "detectors": [],
            "custom_rules": [],
            "enabled": enabled,
            "created_at": AT,
            "updated_at": AT,
        }
        | fields
    )


def price(provider: str, model: str, **rates: Any) -> Price:
    return Price.model_validate({"provider": provider, "model": model, "source": "default"} | rates)


GPT_4O = rule("gpt-4o", [{"provider": "openai", "model": "gpt-4o"}])
SONNET_TARGETS = [
    {
        "provider": "bedrock",
        "model": "anthropic.claude-sonnet-4-20250514-v1:0",
        "region": "us-east-1",
    },
    {"provider": "anthropic", "model": "claude-sonnet-4-20250514"},
]
SONNET_PRICES = [
    price(
        "bedrock",
        "anthropic.claude-sonnet-4-20250514-v1:0",
        input="3",
        output="15",
        cache_read="0.3",
        cache_write="3.75",
        long_context={"above_tokens": 200000, "input": "6", "output": "22.5"},
    ),
    price("anthropic", "claude-sonnet-4-20250514", input="3", output="15", cache_read="0.30"),
]


def one_openai_model() -> RenderInputs:
    return RenderInputs(
        rules=[GPT_4O],
        prices=[price("openai", "gpt-4o", input="2.5", output="10", cache_read="1.25")],
        inputs_changed_at=AT,
    )


def bedrock_primary_anthropic_fallback() -> RenderInputs:
    sonnet = rule(
        "claude-sonnet-4", SONNET_TARGETS, retry={"attempts": 2, "on_status": [503, 429, 500]}
    )
    return RenderInputs(rules=[sonnet], prices=SONNET_PRICES, inputs_changed_at=AT)


def weighted_split() -> RenderInputs:
    targets = [
        {"provider": "openai", "model": "gpt-5", "weight": 80},
        {"provider": "azure", "model": "gpt-5", "weight": 20},
    ]
    return RenderInputs(
        rules=[rule("gpt-5*", targets, strategy="weighted")],
        prices=[price("openai", "gpt-5", input="1.25", output="10")],
        inputs_changed_at=AT,
    )


def pii_masking_one_team() -> RenderInputs:
    masking = policy(
        "pii-masking",
        applies_to={"mode": "teams", "team_ids": [FINANCE]},
        phase="both",
        detectors=[
            {"detector": "email", "action": "mask"},
            {"detector": "credit_card", "action": "mask"},
            {"detector": "iban", "action": "mask"},
            {"detector": "us_ssn", "action": "reject"},
        ],
        custom_rules=[{"name": "employee-id", "pattern": "EMP-[0-9]{6}", "action": "mask"}],
    )
    return RenderInputs(
        rules=[GPT_4O],
        policies=[masking],
        team_clients={FINANCE: ["finance-app", "finance-batch"], RESEARCH: ["research-app"]},
        inputs_changed_at=AT,
    )


def bedrock_guardrails_block() -> RenderInputs:
    guardrail = policy(
        "bedrock-guardrail",
        phase="both",
        bedrock_guardrail={
            "identifier": "gr1a2b3c4d",
            "version": "3",
            "region": "us-east-1",
            "mode": "block",
        },
    )
    sonnet = rule("claude-sonnet-4", SONNET_TARGETS[:1])
    return RenderInputs(
        rules=[sonnet], policies=[guardrail], prices=SONNET_PRICES[:1], inputs_changed_at=AT
    )


SCENARIOS: dict[str, Callable[[], RenderInputs]] = {
    "one_openai_model": one_openai_model,
    "bedrock_primary_anthropic_fallback": bedrock_primary_anthropic_fallback,
    "weighted_split": weighted_split,
    "pii_masking_one_team": pii_masking_one_team,
    "bedrock_guardrails_block": bedrock_guardrails_block,
}


def render(inputs: RenderInputs, **changes: Any) -> RenderedConfig:
    return render_config(inputs, RenderSettings(**changes))


def yaml_body(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


def assert_sound(rendered: RenderedConfig) -> None:
    """Valid, reads back as the document, is what our PyYAML dumper writes, and survives shell
    expansion and agentgateway's parsers."""
    assert validate_config(rendered.document) == []
    assert yaml.safe_load(rendered.text) == rendered.document
    body = yaml_body(rendered.text)
    assert body == yaml.dump(rendered.document, Dumper=_Dumper, sort_keys=False, width=_NO_FOLD)
    unexpanded = ENV_REFERENCE.sub("", rendered.text)
    assert not SHELL_VARIABLE.search(unexpanded), "a $ that agentgateway would expand"
    # Read as agentgateway reads it: shellexpand, serde_yaml (and YAML 1.1/1.2 readers), the Rust
    # regex crate on every regex field and the CEL parser on every CEL field of the schema.
    assert agentgateway_problems(rendered.text, rendered.document) == []


def model_routes(rendered: RenderedConfig) -> list[dict[str, Any]]:
    [group] = rendered.document["routeGroups"]
    assert group["name"] == MODELS_GROUP
    routes: list[dict[str, Any]] = group["routes"]
    return routes


def llm_routes(rendered: RenderedConfig) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rendered.document["routes"] if r["name"].startswith("llm")}


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from walk(child, f"{path}[{index}]")


# Goldens ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_golden(scenario: str) -> None:
    rendered = render(SCENARIOS[scenario]())
    golden = GOLDEN_DIR / f"{scenario}.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(rendered.text.encode())
    assert golden.read_bytes() == rendered.text.encode(), f"rerun with UPDATE_GOLDEN=1: {golden}"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_scenario_is_a_valid_config(scenario: str) -> None:
    assert_sound(render(SCENARIOS[scenario]()))


def test_failover_is_priority_groups_with_eviction_and_retry() -> None:
    [route, fallback] = model_routes(render(bedrock_primary_anthropic_fallback()))
    [backend] = route["backends"]
    providers = [g["providers"][0]["provider"] for g in backend["ai"]["groups"]]
    assert providers == [
        {"bedrock": {"model": "anthropic.claude-sonnet-4-20250514-v1:0", "region": "us-east-1"}},
        {"anthropic": {"model": "claude-sonnet-4-20250514"}},
    ]
    health = backend["policies"]["health"]
    assert health["unhealthyExpression"] == "response.code >= 500 || response.code == 429"
    assert health["eviction"] == {"duration": "30s", "consecutiveFailures": 1}
    # `attempts: 2` retries twice: agentgateway calls `attempts + 1` times (proxy/httpproxy.rs).
    assert route["policies"]["retry"] == {"attempts": 2, "codes": [429, 500, 503]}
    assert fallback["name"] == "unknown-model"


def test_weighted_rule_is_weighted_backends_matched_by_glob() -> None:
    [route, _] = model_routes(render(weighted_split()))
    assert [b["weight"] for b in route["backends"]] == [80, 20]
    assert route["matches"][0]["headers"] == [
        {"name": ROUTED_MODEL_HEADER, "value": {"regex": r"^gpt-5.*$"}}
    ]
    assert re.fullmatch(r"^gpt-5.*$", "gpt-5-mini")
    assert not re.fullmatch(r"^gpt-5.*$", "gpt-4o")


def test_exact_names_win_then_the_more_specific_glob() -> None:
    target = [{"provider": "openai", "model": "gpt-4o"}]
    rules = [
        rule("*", target, n=1),
        rule("claude-*", target, n=2),
        rule("claude-3*", target, n=3),
        rule("claude-3-opus", target, n=4),
        rule("c?aude-3*", target, n=5),
    ]
    names = [r["name"] for r in model_routes(render(RenderInputs(rules=rules)))]
    assert names == [
        "exact:claude-3-opus",
        "glob:120:001:claude-3*",
        "glob:121:001:c?aude-3*",
        "glob:121:001:claude-*",
        "glob:128:001:*",
        "unknown-model",
    ]
    assert names[:-1] == sorted(names[:-1]), "agentgateway breaks ties by route name"
    # A route's name is its rule's alone: a new rule renames no other route.
    more = render(RenderInputs(rules=[*rules, rule("claude-3-opus-*", target, n=6)]))
    assert set(names) <= {r["name"] for r in model_routes(more)}


# Request formats, identity, budget check, access log ---------------------------------------------


def test_both_request_formats_parse_and_models_are_listed() -> None:
    rendered = render(RenderInputs(rules=[GPT_4O, *weighted_split().rules]))
    [llm] = llm_routes(rendered).values()
    assert [m["path"] for m in llm["matches"]] == [
        {"pathPrefix": "/v1/chat/completions"},
        {"pathPrefix": "/v1/messages"},
    ]
    assert llm["policies"]["ai"]["routes"] == {
        "/v1/chat/completions": "completions",
        "/v1/chat/completions/": "completions",
        "/v1/messages": "messages",
        "/v1/messages/": "messages",
        "/v1/messages/count_tokens": "anthropicTokenCount",
        "/v1/messages/count_tokens/": "anthropicTokenCount",
    }
    assert llm["backends"] == [{"routeGroup": MODELS_GROUP}]
    [listing] = [r for r in rendered.document["routes"] if r["name"] == "model-list"]
    assert listing["matches"] == [
        {"path": {"exact": "/v1/models"}},
        {"path": {"exact": "/v1/models/"}},
    ]
    body = yaml.safe_load(listing["policies"]["directResponse"]["body"])
    assert [m["id"] for m in body["data"]] == ["gpt-4o"], "globs cannot be listed"


def test_bearer_token_is_validated_strictly_before_routing() -> None:
    settings = {"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"}
    gateway = render(one_openai_model(), **settings).document["gateways"]["default"]
    assert gateway["port"] == 4000
    assert gateway["jwtAuth"] == {
        "mode": "strict",
        "issuer": settings["issuer"],
        "jwks": {"url": "http://127.0.0.1:8080/.well-known/jwks.json"},
    }
    assert gateway["transformations"]["request"]["set"][ROUTED_MODEL_HEADER] == (
        'default(json(request.body).model, "")'
    )


@pytest.mark.parametrize(("mode", "expected"), [("open", "failOpen"), ("closed", "failClosed")])
def test_every_llm_route_calls_the_budget_check_first(mode: str, expected: str) -> None:
    rendered = render(pii_masking_one_team(), budget_check_fail_mode=mode)
    assert len(llm_routes(rendered)) == 2
    for route in llm_routes(rendered).values():
        webhook = route["policies"]["ai"]["promptGuard"]["request"][0]["webhook"]
        assert webhook["target"] == {"host": "127.0.0.1:8080"}
        assert webhook["failureMode"] == expected
        assert webhook["headers"] == {
            ":path": f'"{BUDGET_CHECK_PATH}"',
            **WEBHOOK_ADDED_HEADERS,
            **WEBHOOK_RESTORED_HEADERS,
        }
        assert [h["name"] for h in webhook["forwardHeaderMatches"]] == list(
            WEBHOOK_FORWARDED_HEADERS
        )


def test_https_budget_check_goes_through_a_tls_backend() -> None:
    url = "https://budget.internal.example/prod/hooks/budget-check?v=2"
    rendered = render(one_openai_model(), budget_check_url=url)
    assert rendered.document["backends"] == [
        {
            "name": "budget-check",
            "host": "budget.internal.example:443",
            "policies": {"backendTLS": {}},
        }
    ]
    [llm] = llm_routes(rendered).values()
    webhook = llm["policies"]["ai"]["promptGuard"]["request"][0]["webhook"]
    # A named backend is referenced as `/<name>` (agentgateway v1.4.1 keys them so); without
    # the slash the lookup fails and budgets go unenforced.
    assert webhook["target"] == {"backend": "/budget-check"}
    assert webhook["headers"][":path"] == '"/prod/hooks/budget-check?v=2"'
    assert_sound(rendered)


def test_access_log_is_json_with_the_fields_usage_ingestion_reads() -> None:
    document = render(one_openai_model()).document
    assert document["config"]["logging"] == {"format": "json"}
    assert document["frontendPolicies"]["accessLog"]["add"] == dict(ACCESS_LOG_ADDED_FIELDS)


# Targets, secrets, unknown models -----------------------------------------------------------------


def test_backend_auth_is_ambient_or_an_environment_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "sk-live-do-not-leak-0123456789"  # a decoy, not a secret
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "AZURE_OPENAI_API_KEY"):
        monkeypatch.setenv(name, secret)
    regions = {"bedrock": {"region": "us-east-1"}, "vertex": {"region": "europe-west4"}}
    targets = [{"provider": p, "model": f"m-{p}", **regions.get(p, {})} for p in PROVIDERS]
    rendered = render(RenderInputs(rules=[rule("every-provider", targets)]))
    assert secret not in rendered.text
    auths = {
        p["name"].split("/")[0]: p["policies"]["backendAuth"]
        for path, p in walk(rendered.document)
        if path.endswith("providers[0]")
    }
    assert auths == {
        "anthropic": {"key": "${ANTHROPIC_API_KEY}"},
        "azure": {"key": "${AZURE_OPENAI_API_KEY}"},
        "bedrock": {"aws": {}},
        "gemini": {"key": "${GEMINI_API_KEY}"},
        "openai": {"key": "${OPENAI_API_KEY}"},
        "vertex": {"gcp": {}},
    }
    assert_sound(rendered)


def test_an_unknown_model_gets_a_clear_404() -> None:
    fallback = model_routes(render(one_openai_model()))[-1]
    assert fallback["matches"] == [
        {"path": {"regex": "/v1/(?:chat/completions|messages(?:/count_tokens)?)/?"}}
    ]
    response = fallback["policies"]["directResponse"]
    assert response["status"] == 404
    assert "model_not_found" in response["bodyExpression"]
    assert "not_found_error" in response["bodyExpression"], "Anthropic-shaped on /v1/messages"


def test_a_configured_default_rule_serves_unknown_models() -> None:
    inputs = RenderInputs(rules=[GPT_4O, *bedrock_primary_anthropic_fallback().rules])
    rendered = render(inputs, default_model="gpt-4o")
    fallback = model_routes(rendered)[-1]
    assert fallback["name"] == "default-model"
    assert "headers" not in fallback["matches"][0]
    assert fallback["backends"][0]["ai"]["provider"] == {"openAI": {"model": "gpt-4o"}}
    assert rendered.notes == ()
    missing = render(inputs, default_model="gone")
    assert model_routes(missing)[-1]["name"] == "unknown-model"
    assert "default_model gone names no enabled rule" in missing.text


def test_disabled_rules_and_policies_are_not_rendered() -> None:
    inputs = pii_masking_one_team()
    off_rule = rule("retired-model", [{"provider": "openai", "model": "gpt-3.5"}], enabled=False)
    off_policy = policy(
        "retired-policy", enabled=False, detectors=[{"detector": "jwt", "action": "mask"}]
    )
    rendered = render(
        RenderInputs(
            rules=[*inputs.rules, off_rule],
            policies=[*inputs.policies, off_policy],
            team_clients=inputs.team_clients,
            inputs_changed_at=AT,
        )
    )
    assert "retired" not in rendered.text
    assert _DETECTOR_PATTERNS["jwt"] not in rendered.text
    assert rendered.text == render(inputs).text


# Scanner policies ---------------------------------------------------------------------------------


def test_a_team_policy_applies_only_to_that_teams_clients() -> None:
    rendered = render(pii_masking_one_team())
    routes = llm_routes(rendered)
    everyone, finance = routes["llm"], routes["llm-p1"]
    assert [g for g in everyone["policies"]["ai"]["promptGuard"]["request"] if "regex" in g] == []
    assert "response" not in everyone["policies"]["ai"]["promptGuard"]
    assert finance["matches"][0]["headers"] == [
        {"name": SCAN_PROFILE_HEADER, "value": {"exact": "llm-p1"}}
    ]
    guard = finance["policies"]["ai"]["promptGuard"]
    reject, mask = guard["request"][1:]
    assert reject["regex"] == {"action": "reject", "rules": [{"builtin": "ssn"}]}
    assert reject["rejection"]["status"] == 403
    assert mask["regex"]["action"] == "mask"
    assert mask["regex"]["rules"][:2] == [{"builtin": "creditCard"}, {"builtin": "email"}]
    assert mask["regex"]["rules"][-1] == {"pattern": "EMP-[0-9]{6}"}
    assert guard["response"] == [reject, mask]
    assert guard["streaming"] == "Enabled"
    profile = rendered.document["gateways"]["default"]["transformations"]["request"]["set"]
    assert profile[SCAN_PROFILE_HEADER] == (
        'has(jwt.client_id) && jwt.client_id in ["finance-app", "finance-batch"] ? "llm-p1" : ""'
    )
    assert "research-app" not in rendered.text


def test_clients_share_a_route_per_set_of_team_policies() -> None:
    teams = ["tm_" + f"{n}".rjust(26, "0") for n in range(3)]
    policies = [
        policy(
            "a-first",
            n=1,
            applies_to={"mode": "teams", "team_ids": teams[:2]},
            detectors=[{"detector": "email", "action": "mask"}],
        ),
        policy(
            "b-second",
            n=2,
            applies_to={"mode": "teams", "team_ids": teams[1:]},
            detectors=[{"detector": "phone", "action": "mask"}],
        ),
        policy(
            "c-nobody",
            n=3,
            applies_to={"mode": "teams", "team_ids": ["tm_" + "9" * 26]},
            detectors=[{"detector": "iban", "action": "mask"}],
        ),
    ]
    clients = {team: [f"client-{i}"] for i, team in enumerate(teams)}
    rendered = render(RenderInputs(rules=[GPT_4O], policies=policies, team_clients=clients))
    routes = llm_routes(rendered)
    assert sorted(routes) == ["llm", "llm-p1", "llm-p2", "llm-p3"]
    rules_by_route = {
        name: [
            r
            for g in route["policies"]["ai"]["promptGuard"]["request"][1:]
            for r in g["regex"]["rules"]
        ]
        for name, route in routes.items()
    }
    assert rules_by_route == {
        "llm": [],
        "llm-p1": [{"builtin": "email"}],
        "llm-p2": [{"builtin": "email"}, {"builtin": "phoneNumber"}],
        "llm-p3": [{"builtin": "phoneNumber"}],
    }
    assert "c-nobody: applies to no one" in rendered.text
    assert_sound(rendered)


def test_detect_actions_are_reported_not_rendered() -> None:
    audit = policy(
        "audit-only",
        detectors=[{"detector": "email", "action": "detect"}],
        custom_rules=[{"name": "codename", "pattern": "PROJECT-X", "action": "detect"}],
        bedrock_guardrail={
            "identifier": "abc",
            "version": "DRAFT",
            "region": "us-east-1",
            "mode": "detect",
        },
    )
    rendered = render(RenderInputs(rules=[GPT_4O], policies=[audit]))
    [llm] = llm_routes(rendered).values()
    assert len(llm["policies"]["ai"]["promptGuard"]["request"]) == 1, "the budget check only"
    assert len(rendered.notes) == 2
    assert "detector email, custom rule codename not enforced" in rendered.notes[0]
    assert "Bedrock Guardrail in detect mode" in rendered.notes[1]
    assert all(f"# Note: {note}\n" in rendered.text for note in rendered.notes)


def test_bedrock_guardrail_blocks_on_both_phases() -> None:
    [llm] = llm_routes(render(bedrock_guardrails_block())).values()
    guard = llm["policies"]["ai"]["promptGuard"]
    expected = {"guardrailIdentifier": "gr1a2b3c4d", "guardrailVersion": "3", "region": "us-east-1"}
    assert guard["request"][1]["bedrockGuardrails"] == expected
    assert guard["response"][0]["bedrockGuardrails"] == expected


@pytest.mark.parametrize("detector", sorted(_DETECTOR_PATTERNS))
def test_our_detector_patterns_run_in_agentgateways_engine(detector: str) -> None:
    assert regex_problem(_DETECTOR_PATTERNS[detector]) is None


@pytest.mark.parametrize(
    ("pattern", "safe"),
    [
        ("EMP-[0-9]{6}", "EMP-[0-9]{6}"),
        ("^internal$", "^internal$"),
        (r"\$HOME", r"\x24HOME"),
        (r"cost: \${2}", r"cost: \x24{2}"),
        ("[$]USER", "[$]USER"),
        ("[$HOME]", r"[\x24HOME]"),
        ("[]$x]", r"[]\x24x]"),
        ("[^]$]x$y", "[^]$]x(?:$)y"),
        ("end$ing", "end(?:$)ing"),
        (r"a\\$b", r"a\\(?:$)b"),
    ],
)
def test_regexes_survive_shell_expansion(pattern: str, safe: str) -> None:
    assert shell_safe_regex(pattern) == safe
    probes = ["EMP-123456", "internal", "$HOME", "cost: $$", "$USER", "$x", "]x", "a\\", "H"]
    for probe in probes:
        assert bool(re.search(pattern, probe)) == bool(re.search(safe, probe)), probe


# Determinism, header, ETag ------------------------------------------------------------------------


def test_same_inputs_in_any_order_give_the_same_bytes() -> None:
    rules = [
        GPT_4O,
        *bedrock_primary_anthropic_fallback().rules,
        *weighted_split().rules,
        rule("c*", [{"provider": "gemini", "model": "gemini-2.5-pro"}], n=9),
    ]
    base = pii_masking_one_team()
    policies = [*base.policies, *bedrock_guardrails_block().policies]
    prices = [*SONNET_PRICES, price("openai", "gpt-4o", input="2.5", output="10")]
    clients = {FINANCE: ["finance-batch", "finance-app"], RESEARCH: ["research-app"]}
    first = render(RenderInputs(rules, policies, prices, clients, AT))
    shuffler = random.Random(7)
    for _ in range(5):
        shuffled = RenderInputs(
            rules=shuffler.sample(rules, len(rules)),
            policies=shuffler.sample(policies, len(policies)),
            prices=shuffler.sample(prices, len(prices)),
            team_clients={t: shuffler.sample(c, len(c)) for t, c in reversed(clients.items())},
            inputs_changed_at=AT,
        )
        again = render(shuffled)
        assert again.text == first.text
        assert again.etag == first.etag


def test_header_says_what_produced_it_and_when_the_inputs_changed() -> None:
    text = render(one_openai_model()).text
    assert text.startswith("# agentgateway config (schema of release v1.4.1), rendered by\n")
    assert "# Inputs last changed: 2026-11-22T14:05:00Z.\n" in text
    naive = RenderInputs(rules=[GPT_4O], inputs_changed_at=datetime(2026, 11, 22, 14, 5))
    assert "2026-11-22T14:05:00Z" in render(naive).text, "a naive time is taken as UTC"
    assert "# Inputs last changed: unknown.\n" in render(RenderInputs(rules=[GPT_4O])).text


def test_etag_is_the_quoted_sha256_of_the_text() -> None:
    rendered = render(one_openai_model())
    digest = hashlib.sha256(rendered.text.encode()).hexdigest()
    assert rendered.etag == f'"{digest}"'
    assert rendered.sha256 == digest
    later = RenderInputs(rules=[GPT_4O], inputs_changed_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert render(later).etag != rendered.etag


def test_cost_catalog_carries_our_prices_as_decimal_strings() -> None:
    catalog = render(bedrock_primary_anthropic_fallback()).document["config"]["modelCatalog"]
    assert catalog == [
        {
            "inline": {
                "providers": {
                    "anthropic": {
                        "models": {
                            "claude-sonnet-4-20250514": {
                                "rates": {
                                    "input": "3.000000",
                                    "output": "15.000000",
                                    "cacheRead": "0.300000",
                                }
                            }
                        }
                    },
                    "aws.bedrock": {
                        "models": {
                            "anthropic.claude-sonnet-4-20250514-v1:0": {
                                "rates": {
                                    "input": "3.000000",
                                    "output": "15.000000",
                                    "cacheRead": "0.300000",
                                    "cacheWrite": "3.750000",
                                },
                                "tiers": [
                                    {
                                        "contextOver": 200000,
                                        "rates": {"input": "6.000000", "output": "22.500000"},
                                    }
                                ],
                            }
                        }
                    },
                }
            }
        }
    ]
    without = render(bedrock_primary_anthropic_fallback(), include_cost_catalog=False)
    assert "modelCatalog" not in without.document["config"]


def test_a_string_on_several_lines_is_written_on_one() -> None:
    odd = policy("odd", custom_rules=[{"name": "two-lines", "pattern": "a\nb", "action": "mask"}])
    rendered = render(RenderInputs(rules=[GPT_4O], policies=[odd]))
    assert_sound(rendered)


@pytest.mark.parametrize(
    "change",
    [
        {"openai_api_key_env": "OPENAI KEY"},
        {"listen_port": 0},
        {"budget_check_fail_mode": "sometimes"},
        {"jwks_url": "ftp://example.com/jwks"},
        {"issuer": "http://example.com/${POOL}"},
        {"eviction_duration": "soon"},
    ],
)
def test_settings_that_would_break_the_config_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(change))):
        RenderSettings(**change)


# Property: any valid rules and policies render a valid config ------------------------------------

PORTABLE_PATTERNS = [
    "ACCT-[0-9]{6}",
    "(?i)secret[-_ ]?word",
    "^internal$",
    r"\$[A-Z]{3}[0-9]+",
    "[$]HOME",
    "END$USER",
    "(?i)caf\u00e9 cr\u00e8me",
    r"\b[A-Z]{2}-[0-9]{4}\b",
    # Rust `regex` syntax that Python's `re` lacks or reads otherwise.
    r"\p{L}+\z",
    "(?<name>x)|(?<a[0]>$x)",
    "[[:alpha:]$x]+|[a-z&&[^aeiou]]+|[a[$b]]",
    r"\b{start}word\b{end}",
    "(?x) a b  # a comment with $HOME and [ in it\n c$d",
    # Strings YAML 1.1, YAML 1.2 or serde_yaml would read as something else if written plain.
    *["~", "-", ": x", "#x", "null", "1e3", "0o17", "true", "0x1F", "1_000", " lead", "it's"],
]
YAML_LOOKALIKES = [
    *["1e3", "1E3", "1e-3", "0o17", "0x1F", "0b101", "012", "1:20", "2026-01-01", "1.", "1.5"],
    *["true", "True", "null", "NULL", "yes", "no", "on", "off", "y", "99999999999999999999"],
]
"""Model names that read as numbers, booleans, nulls or dates when written plain."""
REGIONS = st.sampled_from(["us-east-1", "eu-west-1", "europe-west4", "us-central1"])
TEAMS = ["tm_" + f"{n}".rjust(26, "0") for n in range(3)]
CLIENT_MODELS = st.sampled_from(YAML_LOOKALIKES) | st.from_regex(
    r"[A-Za-z0-9*?][A-Za-z0-9._:@*?-]{0,127}", fullmatch=True
)
PROVIDER_MODELS = st.sampled_from(YAML_LOOKALIKES) | st.from_regex(
    r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}", fullmatch=True
)
MONEY = st.from_regex(r"[0-9]{1,6}(\.[0-9]{1,6})?", fullmatch=True)


@st.composite
def routing_rules(draw: st.DrawFn, n: int, model: str) -> RoutingRule:
    strategy = draw(st.sampled_from(["failover", "weighted"]))

    def target(provider: str) -> st.SearchStrategy[RoutingTarget]:
        return st.builds(
            RoutingTarget,
            provider=st.just(provider),
            model=PROVIDER_MODELS,
            region=REGIONS if provider in REGIONAL_PROVIDERS else st.none(),
            weight=st.integers(1, 1000) if strategy == "weighted" else st.none(),
        )

    targets = draw(
        st.lists(
            st.sampled_from(PROVIDERS).flatmap(target),
            min_size=1,
            max_size=3,
            unique_by=lambda t: (t.provider, t.model, t.region),
        )
    )
    retry = st.builds(
        RetryPolicy,
        attempts=st.integers(0, 5),
        on_status=st.none() | st.lists(st.integers(400, 599), max_size=4, unique=True),
    )
    return draw(
        st.builds(
            RoutingRule,
            rule_id=st.just(f"rt_{n:026d}"),
            model=st.just(model),
            strategy=st.just(strategy),
            targets=st.just(targets),
            retry=retry,
            enabled=st.booleans(),
            created_at=st.just(AT),
            updated_at=st.just(AT),
        )
    )


def scanner_policies(n: int, name: str) -> st.SearchStrategy[ScannerPolicy]:
    detectors = st.lists(
        st.builds(
            DetectorRule,
            detector=st.sampled_from(
                [
                    "email",
                    "phone",
                    "credit_card",
                    "us_ssn",
                    "ip_address",
                    "aws_access_key",
                    "aws_secret_key",
                    "private_key",
                    "jwt",
                    "iban",
                    "url_credentials",
                ]
            ),
            action=st.sampled_from(["mask", "reject", "detect"]),
        ),
        max_size=4,
        unique_by=lambda d: d.detector,
    )
    custom = st.lists(
        st.builds(
            RegexRule,
            name=st.sampled_from(["r1", "r2", "r3"]),
            pattern=st.sampled_from(PORTABLE_PATTERNS),
            action=st.sampled_from(["mask", "reject", "detect"]),
        ),
        max_size=3,
        unique_by=lambda r: r.name,
    )
    applies = st.one_of(
        st.builds(AppliesTo, mode=st.just("all"), team_ids=st.none()),
        st.builds(
            AppliesTo,
            mode=st.just("teams"),
            team_ids=st.lists(st.sampled_from(TEAMS), min_size=1, max_size=2, unique=True),
        ),
    )
    guardrail = st.none() | st.builds(
        BedrockGuardrail,
        identifier=st.sampled_from(
            ["abc123", "arn:aws:bedrock:us-east-1:123456789012:guardrail/g1"]
        ),
        version=st.sampled_from(["DRAFT", "1"]),
        region=REGIONS,
        mode=st.sampled_from(["detect", "block"]),
    )
    return st.builds(
        ScannerPolicy,
        policy_id=st.just(f"sp_{n:026d}"),
        name=st.just(name),
        applies_to=applies,
        phase=st.sampled_from(["request", "response", "both"]),
        detectors=detectors,
        custom_rules=custom,
        bedrock_guardrail=guardrail,
        enabled=st.booleans(),
        created_at=st.just(AT),
        updated_at=st.just(AT),
    )


@st.composite
def render_inputs(draw: st.DrawFn) -> RenderInputs:
    models = draw(st.lists(CLIENT_MODELS, min_size=1, max_size=5, unique=True))
    rules = [draw(routing_rules(n, model)) for n, model in enumerate(models, start=1)]
    names = draw(st.lists(st.sampled_from(["alpha", "beta", "gamma"]), max_size=3, unique=True))
    policies = [draw(scanner_policies(n, name)) for n, name in enumerate(names, start=1)]
    team_clients = {
        team: [f"client-{i}-{j}" for j in range(draw(st.integers(0, 2)))]
        for i, team in enumerate(TEAMS)
    }
    targets = sorted({(t.provider, t.model) for r in rules for t in r.targets})
    prices = [
        draw(
            st.builds(
                Price,
                provider=st.just(provider),
                model=st.just(model),
                input=MONEY,
                output=MONEY,
                cache_read=st.none() | MONEY,
                cache_write=st.none() | MONEY,
                long_context=st.none()
                | st.builds(
                    LongContextPrice,
                    above_tokens=st.integers(1, 100_000_000),
                    input=MONEY,
                    output=MONEY,
                ),
                source=st.sampled_from(["default", "override"]),
            )
        )
        for provider, model in targets
    ]
    return RenderInputs(rules, policies, prices, team_clients)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=render_inputs(), default=st.booleans())
def test_any_valid_rules_and_policies_render_a_valid_config(
    inputs: RenderInputs, default: bool
) -> None:
    default_model = inputs.rules[0].model if default else None
    assert_sound(render(inputs, default_model=default_model))


# The packaged schema ------------------------------------------------------------------------------


def test_packaged_schema_is_the_v141_release_file() -> None:
    packaged = schema_text().encode()
    assert hashlib.sha256(packaged).hexdigest() == SCHEMA_SHA256
    provenance = (
        Path(__file__).resolve().parents[2] / "controlplane" / "agentgateway" / "PROVENANCE.md"
    ).read_text()
    assert SCHEMA_SHA256 in provenance
    if SHARED_SCHEMA.exists():
        assert packaged == SHARED_SCHEMA.read_bytes()


def test_a_broken_config_is_reported_with_the_path_of_the_fault() -> None:
    document = render(bedrock_primary_anthropic_fallback()).document
    document["gateways"]["default"]["port"] = "4000"
    provider = model_routes_of(document)[0]["backends"][0]["ai"]["groups"][1]["providers"][0]
    provider["provider"] = {"anthropic": {"model": "claude", "temperature": 1}}
    document["frontendPolicies"]["accessLog"]["colour"] = "blue"
    problems = validate_config(document)
    paths = [p.path for p in problems]
    assert "gateways.default.port" in paths
    assert "frontendPolicies.accessLog" in paths
    deepest = "routeGroups[0].routes[0].backends[0].ai.groups[1].providers[0].provider.anthropic"
    assert paths[0].startswith(deepest), "the most specific problem first"
    assert "temperature" in problems[0].message
    assert validate_config({"llm": {"models": [{"name": "x", "provider": 7}]}})[0].path == (
        "llm.models[0].provider"
    )


def model_routes_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    routes: list[dict[str, Any]] = document["routeGroups"][0]["routes"]
    return routes

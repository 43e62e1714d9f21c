"""The render read as agentgateway v1.4.1 runs it: retry counts, request paths, guardrail ids.

Schema validity proves the file loads; these tests prove it does what the rule says. Where a test
models agentgateway's behaviour, the function names the v1.4.1 source it follows (paths under
`crates/agentgateway/src` of github.com/agentgateway/agentgateway at tag v1.4.1).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from controlplane.domain.agentgateway import (
    ROUTED_MODEL_HEADER,
    RenderInputs,
    RenderSettings,
    render_config,
)
from controlplane.domain.bedrock_guardrails import check_bedrock_guardrail, guardrail_id
from controlplane.errors import Unprocessable
from generated.models import RoutingRule, ScannerPolicy

AT = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
ANTHROPIC = {"provider": "anthropic", "model": "claude-sonnet-4-20250514"}
BEDROCK = {
    "provider": "bedrock",
    "model": "anthropic.claude-sonnet-4-20250514-v1:0",
    "region": "us-east-1",
}
GUARDRAIL_ARN = "arn:aws:bedrock:eu-west-1:123456789012:guardrail/gr7x2k9q4m1a"


def rule(model: str, targets: list[dict[str, Any]], **fields: Any) -> RoutingRule:
    return RoutingRule.model_validate(
        {
            "rule_id": "rt_" + "1".rjust(26, "0"),
            "model": model,
            "strategy": "failover",
            "targets": targets,
            "retry": {"attempts": 1},
            "enabled": True,
            "created_at": AT,
            "updated_at": AT,
        }
        | fields
    )


def guardrail_policy(identifier: str, region: str) -> ScannerPolicy:
    return ScannerPolicy.model_validate(
        {
            "policy_id": "sp_" + "1".rjust(26, "0"),
            "name": "guardrail",
            "applies_to": {"mode": "all"},
            "phase": "both",
            "detectors": [],
            "custom_rules": [],
            "bedrock_guardrail": {
                "identifier": identifier,
                "version": "3",
                "region": region,
                "mode": "block",
            },
            "enabled": True,
            "created_at": AT,
            "updated_at": AT,
        }
    )


def render(*rules: RoutingRule, policies: tuple[ScannerPolicy, ...] = ()) -> dict[str, Any]:
    inputs = RenderInputs(rules=rules, policies=policies, inputs_changed_at=AT)
    document: dict[str, Any] = render_config(inputs, RenderSettings()).document
    return document


# A model of agentgateway v1.4.1 ------------------------------------------------------------------


def upstream_calls(retry_policy: dict[str, Any] | None) -> int:
    """How many times agentgateway calls upstream for a request that keeps failing (retryably).

    `proxy/httpproxy.rs`: `let attempts = retries.map(|r| r.attempts.get() + 1).unwrap_or(1)`
    ("attempts is the total number of attempts, not the retries"), whatever `http/retry/mod.rs`'s
    doc comment says; its own test `llm_retry_evicts_failed_priority_group_before_next_attempt`
    expects two calls for `attempts: 1`. `attempts` is a `NonZeroU8`: no policy means one call.
    """
    if retry_policy is None:
        return 1
    assert retry_policy["attempts"] >= 1, "NonZeroU8: agentgateway refuses the file"
    return int(retry_policy["attempts"]) + 1


def path_matches(path_match: dict[str, str], path: str) -> bool:
    """`http/route.rs` `matches_request`: exact, prefix by segment, or a regex covering the path."""
    if "exact" in path_match:
        return path == path_match["exact"]
    if "pathPrefix" in path_match:
        prefix = path_match["pathPrefix"].rstrip("/")
        trimmed = path.rstrip("/")
        if not trimmed.startswith(prefix):
            return False
        suffix = trimmed[len(prefix) :]
        return suffix == "" or suffix.startswith("/")
    # `find` (leftmost-first, as Python's `search`) must span the whole path.
    found = re.search(path_match["regex"], path)
    return found is not None and found.span() == (0, len(path))


def header_matches(header: dict[str, Any], headers: dict[str, str]) -> bool:
    value = headers.get(header["name"])
    if value is None:
        return False
    if "exact" in header["value"]:
        return bool(value == header["value"]["exact"])
    found = re.search(header["value"]["regex"], value)
    return found is not None and found.span() == (0, len(value))


def selected(routes: list[dict[str, Any]], path: str, headers: dict[str, str]) -> str | None:
    """`types/agent.rs` `RouteSet::compare_route`: exact > prefix > regex, longer path first,
    more header matches first, then the route key; the first match wins."""

    def rank(match: dict[str, Any]) -> tuple[int, int, int]:
        kind, value = next(iter(match["path"].items()))
        return (
            {"exact": 3, "pathPrefix": 2, "regex": 1}[kind],
            len(value),
            len(match.get("headers", [])),
        )

    candidates = sorted(
        ((route, match) for route in routes for match in route["matches"]),
        key=lambda pair: (tuple(-n for n in rank(pair[1])), pair[0]["name"]),
    )
    for route, match in candidates:
        if path_matches(match["path"], path) and all(
            header_matches(h, headers) for h in match.get("headers", [])
        ):
            return str(route["name"])
    return None


def request_kind(ai_routes: dict[str, str], path: str) -> str:
    """`llm/policy/mod.rs` `resolve_route`: the longest key the path ends with; else completions."""
    for suffix in sorted(ai_routes, key=lambda s: (s == "*", -len(s), s)):
        if suffix != "*" and path.endswith(suffix):
            return ai_routes[suffix]
    return ai_routes.get("*", "completions")


def route_request(document: dict[str, Any], path: str, model: str) -> tuple[str, str, str]:
    """(parent route, child route, request kind) of a request, or AssertionError on a 404."""
    parents = document["routes"]
    parent_name = selected(parents, path, {})
    assert parent_name is not None, f"{path}: no route (404)"
    [parent] = [r for r in parents if r["name"] == parent_name]
    [group] = document["routeGroups"]
    child = selected(group["routes"], path, {ROUTED_MODEL_HEADER: model})
    assert child is not None, f"{path}: no child route in the group (404)"
    return parent_name, child, request_kind(parent["policies"]["ai"]["routes"], path)


# 3. Retry count ----------------------------------------------------------------------------------


@pytest.mark.parametrize("retries", [1, 2, 5])
def test_retry_attempts_are_retries_after_the_first_call(retries: int) -> None:
    document = render(rule("claude", [BEDROCK, ANTHROPIC], retry={"attempts": retries}))
    route = document["routeGroups"][0]["routes"][0]
    assert upstream_calls(route["policies"]["retry"]) == retries + 1


def test_no_retry_means_one_call() -> None:
    document = render(
        rule("gpt-4o", [{"provider": "openai", "model": "gpt-4o"}], retry={"attempts": 0})
    )
    route = document["routeGroups"][0]["routes"][0]
    assert "policies" not in route
    assert upstream_calls(None) == 1


# 6. Request paths --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/v1/chat/completions", "completions"),
        ("/v1/chat/completions/", "completions"),
        ("/v1/messages", "messages"),
        ("/v1/messages/", "messages"),
        ("/v1/messages/count_tokens", "anthropicTokenCount"),
        ("/v1/messages/count_tokens/", "anthropicTokenCount"),
    ],
)
def test_llm_paths_reach_the_rule_and_parse_in_their_format(path: str, kind: str) -> None:
    document = render(rule("claude-sonnet-4", [ANTHROPIC]))
    parent, child, parsed = route_request(document, path, "claude-sonnet-4")
    assert (parent, parsed) == ("llm", kind)
    assert child != "unknown-model"
    # A model no rule names still gets the 404 route, in the Anthropic shape on /v1/messages*.
    assert route_request(document, path, "nope")[1] == "unknown-model"


def test_an_unknown_model_on_any_messages_path_gets_the_anthropic_error() -> None:
    document = render(rule("claude-sonnet-4", [ANTHROPIC]))
    fallback = document["routeGroups"][0]["routes"][-1]
    body = fallback["policies"]["directResponse"]["bodyExpression"]
    assert body.startswith('request.path.startsWith("/v1/messages")')


@pytest.mark.parametrize("path", ["/v1/models", "/v1/models/"])
def test_the_model_list_answers_with_or_without_a_trailing_slash(path: str) -> None:
    assert selected(render(rule("gpt-4o", [ANTHROPIC]))["routes"], path, {}) == "model-list"


@pytest.mark.parametrize("path", ["/v1/messages/batches", "/v1/chat/completionsx", "/v2/messages"])
def test_other_paths_still_find_no_rule(path: str) -> None:
    document = render(rule("claude-sonnet-4", [ANTHROPIC]))
    with pytest.raises(AssertionError, match="404"):
        route_request(document, path, "claude-sonnet-4")


# 5. Bedrock Guardrails by ARN --------------------------------------------------------------------


def test_a_guardrail_arn_is_rendered_as_its_bare_id() -> None:
    document = render(
        rule("claude-sonnet-4", [ANTHROPIC]),
        policies=(guardrail_policy(GUARDRAIL_ARN, "eu-west-1"),),
    )
    guard = document["routes"][0]["policies"]["ai"]["promptGuard"]
    expected = {
        "guardrailIdentifier": "gr7x2k9q4m1a",
        "guardrailVersion": "3",
        "region": "eu-west-1",
    }
    assert guard["request"][1]["bedrockGuardrails"] == expected
    assert guard["response"][0]["bedrockGuardrails"] == expected


def test_a_stored_arn_whose_region_disagrees_is_rendered_in_the_arns_region() -> None:
    document = render(
        rule("claude-sonnet-4", [ANTHROPIC]),
        policies=(guardrail_policy(GUARDRAIL_ARN, "us-east-1"),),
    )
    guard = document["routes"][0]["policies"]["ai"]["promptGuard"]["request"][1]
    assert guard["bedrockGuardrails"]["region"] == "eu-west-1"


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("gr7x2k9q4m1a", "gr7x2k9q4m1a"),
        (GUARDRAIL_ARN, "gr7x2k9q4m1a"),
        ("arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:guardrail/abc", "abc"),
    ],
)
def test_guardrail_id_is_what_agentgateway_can_put_in_a_path(
    identifier: str, expected: str
) -> None:
    # llm/policy/bedrock_guardrails.rs: format!("/guardrail/{}/version/{}/apply", id, version)
    assert guardrail_id(identifier) == expected
    assert re.fullmatch(r"[a-z0-9]+", guardrail_id(identifier))


def test_an_arn_must_name_the_region_the_policy_names() -> None:
    check_bedrock_guardrail(GUARDRAIL_ARN, "eu-west-1")
    check_bedrock_guardrail("gr7x2k9q4m1a", "us-east-1")
    with pytest.raises(Unprocessable) as refused:
        check_bedrock_guardrail(GUARDRAIL_ARN, "us-east-1")
    [problem] = refused.value.errors
    assert problem.field == "bedrock_guardrail.region"
    assert "eu-west-1" in problem.message


def test_the_header_says_token_counting_is_not_scanned_when_prompts_are() -> None:
    # proxy/httpproxy.rs: "count_tokens skips policies": no guard runs on token counting.
    sonnet = rule("claude-sonnet-4", [ANTHROPIC])
    guarded = render_config(
        RenderInputs(rules=[sonnet], policies=[guardrail_policy("gr1", "us-east-1")]),
        RenderSettings(),
    )
    assert any("count_tokens" in note for note in guarded.notes)
    response_only = guardrail_policy("gr1", "us-east-1").model_copy(update={"phase": "response"})
    unguarded = render_config(
        RenderInputs(rules=[sonnet], policies=[response_only]), RenderSettings()
    )
    assert not any("count_tokens" in note for note in unguarded.notes)

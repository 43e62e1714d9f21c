"""A config change is rendered and validated once, and only for what changed, while the config
served and published stays exactly the store's state: across changes of every kind, across two
Lambda instances over one store, and when another change commits between a check and its commit.

"Fresh" below is the config rendered from the store read now, with nothing cached.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from controlplane import config_publisher
from controlplane.agentgateway import validations_run
from controlplane.api.contract import load_contract
from controlplane.api.dispatch import Dispatcher
from controlplane.api.operations import bind
from controlplane.config_publisher import (
    ConfigChange,
    check_change,
    gather_inputs,
    publish,
    render_current,
    render_settings,
)
from controlplane.domain import agentgateway
from controlplane.domain.agentgateway import render_config
from controlplane.services import Services, build_services
from controlplane.settings import Settings
from controlplane.store.port import MustNotExist
from controlplane.store.repositories import commit
from generated.models import RetryPolicy, RoutingRule
from tests.conftest import LambdaApi


def unique(prefix: str) -> str:
    """Names no other test of this process uses: the validation cache is per process."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def rule_body(model: str | None = None, target: str | None = None) -> dict[str, Any]:
    return {
        "model": model or unique("model"),
        "strategy": "failover",
        "targets": [
            {"provider": "bedrock", "model": target or unique("target"), "region": "us-east-1"},
            {"provider": "anthropic", "model": unique("fallback")},
        ],
    }


POLICY = {
    "applies_to": {"mode": "all"},
    "phase": "both",
    "detectors": [{"detector": "email", "action": "mask"}],
    "custom_rules": [{"name": "ticket", "pattern": "TICKET-[0-9]{4}", "action": "reject"}],
}


def fresh(services: Services) -> str:
    return render_config(gather_inputs(services), render_settings(services)).text


def published(services: Services) -> str:
    return services.settings.config_path.read_text()


def assert_current(api: LambdaApi, services: Services) -> None:
    """What GET /routing/config serves and what was published are the store's state."""
    expected = fresh(services)
    served = api.get("/routing/config")
    assert served.status == 200
    assert served.body == expected
    assert published(services) == expected


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many renders, and child routes built, there were."""
    counts = {"renders": 0, "routes": 0}
    real_render, real_route = agentgateway.render_config, agentgateway._rule_route

    def render(*args: Any) -> Any:
        counts["renders"] += 1
        return real_render(*args)

    def route(*args: Any) -> Any:
        counts["routes"] += 1
        return real_route(*args)

    monkeypatch.setattr(config_publisher, "render_config", render)
    monkeypatch.setattr(agentgateway, "_rule_route", route)
    return counts


def test_a_rule_change_renders_once_and_builds_and_validates_one_route(
    api: LambdaApi, services: Services, counted: dict[str, int]
) -> None:
    # GIVEN 30 rules
    ids = [api.post("/routing", rule_body()).body["rule_id"] for _ in range(30)]
    counted.update(renders=0, routes=0)
    validated = validations_run()

    # WHEN one rule's targets change
    changed = api.put(f"/routing/{ids[15]}", {"targets": [{"provider": "openai", "model": "x"}]})

    # THEN one render (the check's, published as is), one route built, one route validated
    assert changed.status == 200
    assert counted == {"renders": 1, "routes": 1}
    assert validations_run() - validated == 1
    assert_current(api, services)

    # AND a new rule also changes the model list: two routes validated, no other route built
    counted.update(renders=0, routes=0)
    validated = validations_run()
    assert api.post("/routing", rule_body()).status == 201
    assert counted == {"renders": 1, "routes": 1}
    assert validations_run() - validated == 2
    assert_current(api, services)


def test_serving_the_config_again_renders_nothing(
    api: LambdaApi, services: Services, counted: dict[str, int]
) -> None:
    api.post("/routing", rule_body())
    counted.update(renders=0, routes=0)
    first = api.get("/routing/config")
    assert api.get("/routing/config").body == first.body
    assert counted["renders"] == 0


def test_every_kind_of_change_publishes_the_store_state(api: LambdaApi, services: Services) -> None:
    team = api.register_team(unique("team"))["team"]["team_id"]
    other_team = api.register_team(unique("team"))["team"]["team_id"]
    teams = [team, other_team]
    exact = api.post("/routing", rule_body("gpt-4o")).body
    glob = api.post("/routing", rule_body("claude-*")).body
    steps: list[tuple[str, str, Any]] = [
        ("POST", "/routing", rule_body("claude-3*")),
        ("PUT", f"/routing/{exact['rule_id']}", {"model": "gpt-4o-mini"}),
        ("PUT", f"/routing/{glob['rule_id']}", {"enabled": False}),
        ("PUT", f"/routing/{glob['rule_id']}", {"enabled": True, "retry": {"attempts": 3}}),
        (
            "POST",
            "/scanner",
            POLICY | {"name": "finance", "applies_to": {"mode": "teams", "team_ids": teams}},
        ),
        ("POST", "/scanner", POLICY | {"name": "everyone"}),
        ("PUT", "/pricing/bedrock/anthropic.claude-x", {"input": "3", "output": "15"}),
        ("PUT", "/pricing/openai/gpt-4o", {"input": "2", "output": "8"}),
        ("DELETE", "/pricing/openai/gpt-4o", None),
        ("DELETE", f"/teams/{other_team}", None),  # its client leaves the policy's route
        ("DELETE", f"/routing/{exact['rule_id']}", None),
    ]
    assert_current(api, services)
    for method, path, body in steps:
        answer = api.call(method, path, body)
        assert answer.status in (200, 201, 204), (method, path, answer)
        assert_current(api, services)
    [policy] = [p for p in api.get("/scanner").body["items"] if p["name"] == "finance"]
    scope = {"applies_to": {"mode": "teams", "team_ids": [team, other_team]}}
    assert api.put(f"/scanner/{policy['policy_id']}", scope).status == 422  # a deleted team
    only = {"applies_to": {"mode": "teams", "team_ids": [team]}, "phase": "request"}
    assert api.put(f"/scanner/{policy['policy_id']}", only).status == 200
    assert_current(api, services)
    assert api.delete(f"/teams/{team}").status == 204
    assert_current(api, services)
    assert api.delete(f"/scanner/{policy['policy_id']}").status == 204
    assert_current(api, services)


def test_a_refused_or_conflicting_change_leaves_nothing_behind(
    api: LambdaApi, services: Services
) -> None:
    taken = api.post("/routing", rule_body("gpt-4o")).body
    assert api.post("/routing", rule_body("gpt-4o")).status == 409
    stale = api.put(f"/routing/{taken['rule_id']}", {"enabled": False}, headers={"If-Match": '"9"'})
    assert stale.status == 412
    assert_current(api, services)
    assert api.post("/routing", rule_body("gpt-5")).status == 201
    assert_current(api, services)


@pytest.fixture
def second(settings: Settings) -> Iterator[tuple[LambdaApi, Services]]:
    """Another Lambda instance: its own services and store connection, the same store."""
    services = build_services(settings)
    contract = load_contract()
    yield LambdaApi(Dispatcher(contract, bind(contract), services)), services
    services.store.close()


def test_two_instances_over_one_store_each_serve_the_current_config(
    api: LambdaApi, services: Services, second: tuple[LambdaApi, Services]
) -> None:
    other_api, other = second
    assert services.store is not other.store
    ids = [api.post("/routing", rule_body()).body["rule_id"] for _ in range(3)]
    assert other_api.get("/routing/config").body == fresh(services)  # a cold instance
    for index, rule_id in enumerate(ids):
        # one instance changes the store, the other serves it at once
        changer, reader = (other_api, api) if index % 2 else (api, other_api)
        assert changer.put(f"/routing/{rule_id}", {"model": unique("renamed")}).status == 200
        assert reader.get("/routing/config").body == fresh(services)
        assert changer.get("/routing/config").body == fresh(services)
        assert published(services) == fresh(services)
    assert other_api.post("/scanner", POLICY | {"name": "pii"}).status == 201
    assert api.get("/routing/config").body == fresh(services)
    assert published(services) == fresh(services)


def _rule(model: str) -> RoutingRule:
    now = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
    return RoutingRule.model_validate(
        rule_body(model)
        | {
            "rule_id": f"rt_{uuid.uuid4().hex[:26]}",
            "retry": RetryPolicy(attempts=1).model_dump(),
            "enabled": True,
            "created_at": now,
            "updated_at": now,
        }
    )


def _commit_created(services: Services, rule: RoutingRule, write: Any) -> None:
    """What the create handler commits: the rule, its model's claim and the change marker."""
    commit(
        services.store,
        [
            services.routes.put(rule.rule_id, rule, MustNotExist()),
            services.route_models.claim(rule.model, rule.rule_id),
            write,
        ],
    )


def test_a_change_committed_between_a_check_and_its_commit_is_published_too(
    api: LambdaApi, services: Services, second: tuple[LambdaApi, Services]
) -> None:
    other_api, _ = second
    api.post("/routing", rule_body("gpt-4o"))
    # GIVEN a change checked here...
    mine = _rule("mine")
    check = check_change(services, ConfigChange(rules={mine.rule_id: mine}))
    # ...WHEN another instance commits a change before this one commits
    assert other_api.post("/routing", rule_body("theirs")).status == 201
    _commit_created(services, mine, check.write)
    rendered = publish(services, check)

    # THEN what is published is the store's state (both changes), not the checked config
    assert rendered is not None
    assert rendered.text != check.rendered.text
    assert published(services) == fresh(services)
    assert "exact:mine" in published(services)
    assert "exact:theirs" in published(services)
    assert api.get("/routing/config").body == fresh(services)


def test_a_check_whose_change_is_the_only_one_is_published_as_checked(
    api: LambdaApi, services: Services, counted: dict[str, int]
) -> None:
    api.post("/routing", rule_body("gpt-4o"))
    mine = _rule("mine")
    check = check_change(services, ConfigChange(rules={mine.rule_id: mine}))
    _commit_created(services, mine, check.write)
    counted.update(renders=0)
    rendered = publish(services, check)
    assert rendered is check.rendered
    assert counted["renders"] == 0
    assert published(services) == fresh(services)


def test_a_check_that_was_never_committed_is_not_published(
    api: LambdaApi, services: Services, second: tuple[LambdaApi, Services]
) -> None:
    other_api, _ = second
    api.post("/routing", rule_body("gpt-4o"))
    # GIVEN a checked change whose commit failed, WHEN another instance commits one change
    mine = _rule("mine")
    check = check_change(services, ConfigChange(rules={mine.rule_id: mine}))
    assert other_api.post("/routing", rule_body("theirs")).status == 201
    # THEN the marker moved by one, but not by this change: publishing must not take the check
    publish(services, check)
    assert "exact:mine" not in published(services)
    assert published(services) == fresh(services)
    assert api.get("/routing/config").body == fresh(services)


def test_a_state_read_while_another_change_commits_is_read_again(
    api: LambdaApi,
    services: Services,
    second: tuple[LambdaApi, Services],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other_api, _ = second
    api.post("/routing", rule_body("gpt-4o"))
    config_publisher.forget_cached_state()  # this instance must read the store whole
    real_all = services.routes.all
    interleaved: list[int] = []

    def all_while_another_change_commits() -> list[RoutingRule]:
        rules = real_all()
        if not interleaved:  # between this read and the marker's second read
            interleaved.append(other_api.post("/routing", rule_body("theirs")).status)
        return rules

    monkeypatch.setattr(services.routes, "all", all_while_another_change_commits)
    served = api.get("/routing/config").body
    assert interleaved == [201]
    assert "exact:theirs" in served
    assert served == fresh(services)


def test_the_json_form_is_the_document_as_json_dumps_writes_it(
    api: LambdaApi, services: Services
) -> None:
    for model in ("gpt-4o", "claude-*", "c?aude-3"):
        api.post("/routing", rule_body(model))
    api.post("/scanner", POLICY | {"name": "pii"})
    for _ in range(2):  # the second time from the routes' cached JSON
        served = api.get("/routing/config", query={"format": "json"})
        expected = json.dumps(render_current(services).document, indent=2, sort_keys=True)
        assert served.body == json.loads(expected)
        content = config_publisher.config_json(services, render_current(services))
        assert content == expected.encode()
    api.put(f"/routing/{api.get('/routing').body['items'][0]['rule_id']}", {"enabled": False})
    rendered = render_current(services)
    assert (
        config_publisher.config_json(services, rendered)
        == json.dumps(rendered.document, indent=2, sort_keys=True).encode()
    )

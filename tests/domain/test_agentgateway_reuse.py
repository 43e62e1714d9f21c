"""Renders that reuse earlier routes (`RouteCache`) give the bytes a render from nothing gives,
through any sequence of rule changes; long quoted strings are written as PyYAML writes them; and
validation keyed on a render's texts finds what validation from the document finds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controlplane.agentgateway import validate_config, validations_run
from controlplane.domain.agentgateway import (
    _NO_FOLD,
    RenderedConfig,
    RenderInputs,
    RenderSettings,
    RouteCache,
    _Dumper,
    _scalar,
    render_config,
)
from generated.models import RoutingRule

AT = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
MODELS = st.from_regex(r"[a-c*?][a-c0-9.:*?-]{0,6}", fullmatch=True)


def rule(n: int, model: str, target: str = "t", attempts: int = 1, **more: Any) -> RoutingRule:
    return RoutingRule.model_validate(
        {
            "rule_id": f"rt_{n:026d}",
            "model": model,
            "strategy": "failover",
            "targets": [
                {"provider": "openai", "model": f"gpt-{target}"},
                {"provider": "anthropic", "model": f"claude-{target}"},
            ],
            "retry": {"attempts": attempts, "on_status": [429, 503]},
            "enabled": True,
            "created_at": AT,
            "updated_at": AT,
            **more,
        }
    )


def plain(rules: list[RoutingRule], config: RenderSettings) -> RenderedConfig:
    return render_config(RenderInputs(rules=rules, inputs_changed_at=AT), config)


def reused(rules: list[RoutingRule], config: RenderSettings, cache: RouteCache) -> RenderedConfig:
    return render_config(RenderInputs(rules=rules, inputs_changed_at=AT, reuse=cache), config)


CHANGES = st.lists(
    st.tuples(
        st.integers(0, 7),  # which rule
        st.sampled_from(["model", "target", "retry", "disable", "remove"]),
        MODELS,
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    models=st.lists(MODELS, min_size=1, max_size=8, unique=True),
    changes=CHANGES,
    default=st.booleans(),
)
def test_a_reused_render_is_the_render_from_nothing_after_any_changes(
    models: list[str], changes: list[tuple[int, str, str, int]], default: bool
) -> None:
    rules = {n: rule(n, model) for n, model in enumerate(models)}
    config = RenderSettings(default_model=models[0] if default else None)
    cache = RouteCache()
    for index, kind, model, number in changes:
        assert (
            reused(list(rules.values()), config, cache).text
            == plain(list(rules.values()), config).text
        )
        n = index % len(models)
        if n not in rules:
            rules[n] = rule(n, f"back-{n}")
        elif kind == "model" and model not in {r.model for r in rules.values()}:
            rules[n] = rules[n].model_copy(update={"model": model})
        elif kind == "target":
            rules[n] = rule(n, rules[n].model, target=str(number))
        elif kind == "retry":
            rules[n] = rule(n, rules[n].model, attempts=number)
        elif kind == "disable":
            rules[n] = rules[n].model_copy(update={"enabled": not rules[n].enabled})
        elif kind == "remove":
            del rules[n]
    final = reused(list(rules.values()), config, cache)
    assert final.text == plain(list(rules.values()), config).text
    assert final.etag == plain(list(rules.values()), config).etag


def test_routes_of_unchanged_rules_are_reused_not_rebuilt() -> None:
    cache = RouteCache()
    rules = [rule(n, f"model-{n}") for n in range(20)]
    first = reused(rules, RenderSettings(), cache)
    changed = [*rules[:5], rule(5, "model-5", target="new"), *rules[6:]]
    second = reused(changed, RenderSettings(), cache)
    before, after = (r.document["routeGroups"][0]["routes"] for r in (first, second))
    same = [a is b for a, b in zip(before, after, strict=True)]
    assert same.count(False) == 1, "only the changed rule's route is new"
    assert second.text == plain(changed, RenderSettings()).text


def test_other_settings_rebuild_every_route() -> None:
    cache = RouteCache()
    rules = [rule(n, f"model-{n}") for n in range(3)]
    reused(rules, RenderSettings(), cache)
    other = RenderSettings(eviction_duration="5m", openai_api_key_env="OTHER_KEY")
    assert reused(rules, other, cache).text == plain(rules, other).text


def test_a_model_twice_still_gives_every_route_its_own_name() -> None:
    # The store's index makes a model unique; a render given the same model twice must not let
    # agentgateway keep one route of a name and drop the other.
    twice = [rule(1, "gpt-4o"), rule(2, "gpt-4o", target="b"), rule(3, "gpt-4o", target="c")]
    names = [r["name"] for r in plain(twice, RenderSettings()).document["routeGroups"][0]["routes"]]
    assert len(set(names)) == len(names)


@settings(max_examples=300, deadline=None)
@given(
    text=st.builds(
        lambda first, rest: first + rest,
        st.sampled_from(list("#,[]{}&*!|>'\"%@`")),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=255),
    )
)
def test_a_long_string_is_written_as_pyyaml_writes_it(text: str) -> None:
    expected = yaml.dump([text], Dumper=_Dumper, width=_NO_FOLD)
    assert expected.count("\n") == 1
    assert _scalar(text) == expected[2:-1]


def test_validation_keyed_on_a_render_finds_what_validation_of_the_document_finds() -> None:
    rules = [rule(n, f"keyed-{n}-{id(object())}") for n in range(4)]
    rendered = reused(rules, RenderSettings(), RouteCache())
    assert validate_config(rendered.document, known_text=rendered.known_text) == []
    validated = validations_run()
    assert validate_config(rendered.document, known_text=rendered.known_text) == []
    assert validations_run() == validated, "nothing validated twice"
    broken = rendered.document["routeGroups"][0]["routes"][2]
    broken_copy = {**broken, "backends": [{"ai": {"provider": {"acme": {}}}}]}
    rendered.document["routeGroups"][0]["routes"][2] = broken_copy  # not the render's route
    keyed = validate_config(rendered.document, known_text=rendered.known_text)
    assert keyed
    assert keyed == validate_config(rendered.document)
    assert keyed[0].path.startswith("routeGroups[0].routes[2].backends[0]")

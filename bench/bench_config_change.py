"""What one change to rules, policies or prices costs through the API as rules grow (issue 9).

Run: `.venv/bin/python bench/bench_config_change.py [--top N]` (about a minute). Drives the
operations the way a Lambda runs them: API Gateway proxy events into `handle_event` (the Lambda
adapter with the handlers' dispatcher, in this process) over the SQLite store in a temporary
directory; no openapi-core validation around the calls (the tests' instrument, not the product's
cost). Every change renders, validates and publishes the config file (fsynced) as in production.
A second dispatcher over the same store plays a second Lambda instance.

Prints, with the goals:
- creating a scanner policy with no rules (median);
- at 10, 100 and 1,000 rules (median of 15): a rule change (PUT /routing/{id} with a target never
  seen before, so a new route to render and validate), creating and deleting a rule, GET
  /routing/config, GET /routing/config right after the other instance changed a rule (this
  instance must read the store again), in ms and µs per rule, and the JSON form right after a
  change;
- creating 1,000 rules one by one (POST /routing), total seconds;
- a new instance (nothing cached): its first GET /routing/config and its first change;
- goals: a change at 1,000 rules <= 5x the same at 10; 1,000 rules created in <= 60 s; GET
  /routing/config at 1,000 rules <= 200 ms (the slower of the two GETs) and linear (µs per rule at
  1,000 at most 1.5x that at 100). Verdicts only with `--top 1000` (the default).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_render import rule_body  # the same rule workload as the render benchmark

from controlplane.adapters.apigw import handle_event
from controlplane.agentgateway import forget_validations
from controlplane.api.contract import load_contract
from controlplane.api.dispatch import Dispatcher
from controlplane.api.operations import bind
from controlplane.services import Services, build_services
from controlplane.settings import Settings
from tests.events import apigw_event

RUNS = 15
GOAL_CHANGE_RATIO = 5.0
GOAL_CREATE_1000_S = 60.0
GOAL_CONFIG_1000_MS = 200.0


class Api:
    """Proxy events through the Lambda adapter; statuses are checked, bodies decoded."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.contract = load_contract()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        expect: int = 200,
        query: dict[str, str] | None = None,
    ) -> tuple[dict[str, str], Any]:
        matched = self.contract.match_path(path)
        assert matched is not None, path
        resource, params = matched
        event = apigw_event(
            method,
            resource,
            path,
            path_params=params or None,
            query=query,
            body=None if body is None else json.dumps(body),
        )
        result = handle_event(event, None, self.dispatcher)
        if result["statusCode"] != expect:
            raise AssertionError(f"{method} {path}: {result['statusCode']} {result['body'][:500]}")
        text = result["body"]
        is_json = result["headers"].get("Content-Type", "").endswith("json")
        return result["headers"], (json.loads(text) if text and is_json else text)


POLICY = {
    "name": "pii",
    "applies_to": {"mode": "all"},
    "phase": "both",
    "detectors": [
        {"detector": "email", "action": "mask"},
        {"detector": "credit_card", "action": "reject"},
    ],
    "custom_rules": [{"name": "ticket", "pattern": "TICKET-[0-9]{4}", "action": "mask"}],
}


class World:
    """One store and one 'Lambda instance' (dispatcher and services) over it."""

    def __init__(self, root: Path) -> None:
        self.settings = Settings(
            data_dir=root, issuer="http://testserver", token_endpoint="http://testserver/t"
        )
        self.services: Services = build_services(self.settings)
        contract = load_contract()
        self.api = Api(Dispatcher(contract, bind(contract), self.services))
        self.rules: list[str] = []
        self.created_ms: list[float] = []
        self.fresh = 0

    def grow_to(self, size: int) -> None:
        while len(self.rules) < size:
            started = time.perf_counter()
            _, body = self.api.call("POST", "/routing", rule_body(len(self.rules) + 1), 201)
            self.created_ms.append((time.perf_counter() - started) * 1000)
            self.rules.append(body["rule_id"])

    def change_one_rule(self) -> Callable[[], object]:
        """PUT a rule in the middle with a target model never used before: a route to render
        and validate that no cache has seen."""
        rule_id = self.rules[len(self.rules) // 2]

        def change() -> object:
            self.fresh += 1
            target = {"provider": "openai", "model": f"gpt-change-{self.fresh}"}
            return self.api.call("PUT", f"/routing/{rule_id}", {"targets": [target]})

        return change

    def create_and_delete(self) -> tuple[float, float]:
        """A new rule (a model never used before, exact), then its deletion."""
        self.fresh += 1
        body = {**rule_body(1), "model": f"new-model-{self.fresh}"}
        started = time.perf_counter()
        _, created_rule = self.api.call("POST", "/routing", body, 201)
        created = time.perf_counter()
        self.api.call("DELETE", f"/routing/{created_rule['rule_id']}", expect=204)
        return (created - started) * 1000, (time.perf_counter() - created) * 1000

    def create_and_delete_policy(self) -> tuple[float, float]:
        """A new scanner policy (for every client), then its deletion."""
        self.fresh += 1
        started = time.perf_counter()
        _, policy = self.api.call("POST", "/scanner", {**POLICY, "name": f"p{self.fresh}"}, 201)
        created = time.perf_counter()
        self.api.call("DELETE", f"/scanner/{policy['policy_id']}", expect=204)
        return (created - started) * 1000, (time.perf_counter() - created) * 1000

    def get_config(self) -> object:
        return self.api.call("GET", "/routing/config")

    def get_config_json(self) -> object:
        return self.api.call("GET", "/routing/config", query={"format": "json"})


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def medians_of(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def after_another_instance(
    world: World, other_change: Callable[[], object], *, json: bool = False
) -> float:
    """GET /routing/config (YAML, or JSON) right after a change (median ms); when the change is
    another instance's, the marker moved and `world` must read the store again."""
    times = []
    for _ in range(RUNS):
        other_change()
        started = time.perf_counter()
        world.get_config_json() if json else world.get_config()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def forget_everything() -> None:
    """As a new Lambda instance: no validation, no state, no route of this process cached."""
    forget_validations()
    try:
        from controlplane.config_publisher import forget_cached_state
    except ImportError:  # the code before issue 9 kept no state
        return
    forget_cached_state()


def cold_ms(root: Path, top: int) -> tuple[float, float]:
    """A new instance over the same store: its first GET /routing/config, its first change."""
    forget_everything()
    world = World(root)
    config = median_ms(world.get_config, runs=1)
    forget_everything()
    world = World(root)
    world.rules = [item.rule_id for item in world.services.routes.all()][:top]
    return config, median_ms(world.change_one_rule(), runs=1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=int, default=1_000, help="largest number of rules")
    top = parser.parse_args().top
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        world, other = World(root), World(root)  # two Lambda instances over one store
        started = time.perf_counter()
        world.api.call("POST", "/scanner", {**POLICY, "name": "first"}, 201)
        policy_first = (time.perf_counter() - started) * 1000
        policy_create, _ = medians_of([world.create_and_delete_policy() for _ in range(RUNS)])
        print("Lambda adapter (handle_event) in this process, SQLite store, config file published")
        print(
            f"scanner policy, no rules: created in {policy_create:.1f} ms (median; the first call"
            f" of the process, which loads the schema and validators: {policy_first:.0f} ms)"
        )
        figures: dict[int, dict[str, float]] = {}
        grow_started = time.perf_counter()
        for size in sorted({10, 100, top}):
            world.grow_to(size)
            created, deleted = medians_of([world.create_and_delete() for _ in range(RUNS)])
            other.rules = world.rules
            figures[size] = {
                "change": median_ms(world.change_one_rule()),
                "create": created,
                "delete": deleted,
                "config": median_ms(world.get_config),
                "moved": after_another_instance(world, other.change_one_rule()),
                "json": after_another_instance(world, world.change_one_rule(), json=True),
            }
        grow_s = time.perf_counter() - grow_started
        print(
            "rules  PUT one rule  POST one rule  DELETE one rule  GET config  GET after another"
            " instance's change  µs/rule  GET ?format=json after a change"
        )
        for size, f in figures.items():
            print(
                f"{size:>5} {f['change']:>13.1f} {f['create']:>14.1f} {f['delete']:>16.1f}"
                f" {f['config']:>11.1f} {f['moved']:>35.1f} {f['moved'] * 1000 / size:>8.0f}"
                f" {f['json']:>32.1f}"
            )
        creates = world.created_ms
        print(
            f"creating {len(creates)} rules one by one: {sum(creates) / 1000:.1f} s of requests"
            f" ({grow_s:.1f} s with the measurements between); the last 100 took"
            f" {statistics.median(creates[-100:]):.1f} ms each (median)"
        )
        cold_config, cold_change = cold_ms(root, top)
        print(
            f"a new instance at {top} rules (validates every route once): first GET"
            f" /routing/config {cold_config:.0f} ms, first rule change {cold_change:.0f} ms"
        )
        if top != 1_000:
            return 0
        ratio = figures[top]["change"] / figures[10]["change"]
        create_s = sum(creates) / 1000
        config_ms = max(figures[top]["config"], figures[top]["moved"])
        per_rule = [figures[n]["moved"] / n for n in (100, top)]
        verdicts = [
            (f"a rule change at 1,000 / at 10 = {ratio:.1f}x", ratio <= GOAL_CHANGE_RATIO, "<= 5x"),
            (f"1,000 rules created in {create_s:.1f} s", create_s <= GOAL_CREATE_1000_S, "<= 60 s"),
            (
                f"GET /routing/config at 1,000 rules, even after another instance's change:"
                f" {config_ms:.0f} ms ({per_rule[1] * 1000:.0f} µs/rule at 1,000,"
                f" {per_rule[0] * 1000:.0f} at 100)",
                config_ms <= GOAL_CONFIG_1000_MS and per_rule[1] <= 1.5 * per_rule[0],
                "<= 200 ms, linear",
            ),
        ]
        for text, met, goal in verdicts:
            print(f"goal {goal}: {text}: {'met' if met else 'NOT met'}")
        return 0 if all(met for _, met, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())

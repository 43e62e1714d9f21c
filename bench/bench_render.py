"""How long rendering (and, separately, validating) the agentgateway config takes as rules grow.

Run: `.venv/bin/python bench/bench_render.py`. For 10, 100 and 1,000 routing rules with 50 scanner
policies (10 of them scoped to teams) and a price per target model, prints the median of a few runs
of `render_config` (document, YAML text and ETag) and of `validate_config`, in ms and per rule:
validation cold (nothing cached, as in a new process) and cached (the routes are unchanged, as
after a change to one rule, or for the publish that follows the check of a change). The render
target is 1,000 rules in at most 200 ms; per-rule figures that stay flat show linear growth.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlplane.agentgateway import forget_validations, validate_config
from controlplane.domain.agentgateway import (
    RenderedConfig,
    RenderInputs,
    RenderSettings,
    render_config,
)
from generated.models import Price, RoutingRule, ScannerPolicy

SIZES = (10, 100, 1_000)
POLICIES = 50
TEAM_SCOPED = 10
RUNS = 5
TARGET_MS_FOR_1000 = 200.0
AT = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
DETECTORS = ("email", "phone", "credit_card", "us_ssn", "ip_address", "iban", "jwt")


def team_id(n: int) -> str:
    return f"tm_{n:026d}"


def rule_body(n: int) -> dict[str, Any]:
    """Rule n as an API body: mostly failover Bedrock -> Anthropic, some weighted, a few globs."""
    if n % 10 == 0:
        strategy, targets = (
            "weighted",
            [
                {"provider": "openai", "model": f"gpt-{n}", "weight": 80},
                {"provider": "azure", "model": f"gpt-{n}", "weight": 20},
            ],
        )
    else:
        strategy, targets = (
            "failover",
            [
                {
                    "provider": "bedrock",
                    "model": f"anthropic.claude-{n}-v1:0",
                    "region": "us-east-1",
                },
                {"provider": "anthropic", "model": f"claude-{n}"},
            ],
        )
    model = f"family-{n}-*" if n % 25 == 0 else f"model-{n}"
    return {
        "model": model,
        "strategy": strategy,
        "targets": targets,
        "retry": {"attempts": 2, "on_status": [429, 500, 502, 503, 504]},
    }


def rule(n: int) -> RoutingRule:
    """Rule n as stored (the same workload as `rule_body`, which bench_config_change sends)."""
    return RoutingRule.model_validate(
        {
            "rule_id": f"rt_{n:026d}",
            **rule_body(n),
            "enabled": True,
            "created_at": AT,
            "updated_at": AT,
        }
    )


def policy(n: int) -> ScannerPolicy:
    scoped = n < TEAM_SCOPED
    return ScannerPolicy.model_validate(
        {
            "policy_id": f"sp_{n:026d}",
            "name": f"policy-{n:02d}",
            "applies_to": {"mode": "teams", "team_ids": [team_id(n % 4)]}
            if scoped
            else {"mode": "all"},
            "phase": ("request", "response", "both")[n % 3],
            "detectors": [
                {"detector": DETECTORS[n % len(DETECTORS)], "action": "mask"},
                {"detector": DETECTORS[(n + 1) % len(DETECTORS)], "action": "reject"},
            ],
            "custom_rules": [
                {"name": "ticket", "pattern": rf"TICKET-{n}-[0-9]{{4}}", "action": "mask"}
            ],
            "enabled": True,
            "created_at": AT,
            "updated_at": AT,
        }
    )


def prices(rules: list[RoutingRule]) -> list[Price]:
    seen = {(t.provider, t.model) for r in rules for t in r.targets}
    return [
        Price.model_validate(
            {"provider": p, "model": m, "input": "3", "output": "15", "source": "default"}
        )
        for p, m in sorted(seen)
    ]


def inputs(size: int) -> RenderInputs:
    rules = [rule(n) for n in range(1, size + 1)]
    return RenderInputs(
        rules=rules,
        policies=[policy(n) for n in range(POLICIES)],
        prices=prices(rules),
        team_clients={team_id(t): [f"client-{t}-{c}" for c in range(20)] for t in range(4)},
        inputs_changed_at=AT,
    )


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def once_ms(action: Callable[[], object]) -> float:
    return median_ms(action, runs=1)


def measure(size: int, settings: RenderSettings) -> dict[str, float] | None:
    data = inputs(size)

    def render() -> RenderedConfig:
        return render_config(data, settings)

    first = once_ms(render)
    rendered = render()
    if validate_config(rendered.document):
        return None

    def validate_cold() -> object:
        # As a new process (a Lambda cold start) does: every route validated, nothing cached.
        forget_validations()
        return validate_config(rendered.document)

    cold = median_ms(validate_cold, runs=3)
    return {
        "first": first,
        "render": median_ms(render),
        "cold": cold,
        "cached": median_ms(lambda: validate_config(rendered.document)),
        "kib": len(rendered.text.encode()) / 1024,
    }


def main() -> int:
    settings = RenderSettings()
    print(
        f"{POLICIES} scanner policies ({TEAM_SCOPED} team-scoped); render = document + YAML +"
        f" ETag, median of {RUNS} runs (first = first call in the process)"
    )
    print("rules  render ms  µs/rule  first ms  validate cold ms  µs/rule  validate cached ms  KiB")
    render_1000 = 0.0
    for size in SIZES:
        m = measure(size, settings)
        if m is None:
            print(f"the config of {size} rules does not validate")
            return 1
        print(
            f"{size:>5} {m['render']:>10.1f} {m['render'] * 1000 / size:>8.0f} {m['first']:>9.1f}"
            f" {m['cold']:>17.1f} {m['cold'] * 1000 / size:>8.0f} {m['cached']:>19.1f}"
            f" {m['kib']:>4.0f}"
        )
        render_1000 = m["render"]
    verdict = "met" if render_1000 <= TARGET_MS_FOR_1000 else "NOT met"
    print(f"target: 1,000 rules rendered in <= {TARGET_MS_FOR_1000:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

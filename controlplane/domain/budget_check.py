"""The budget check's decision for one LLM request, and agentgateway's webhook reply to it.

Pure: the caller's standing, the team's budget and month spend, and the requested model go in; a
`Decision` comes out. Gathering that state (token, store, cache) is `controlplane/budget_check.py`.

Rejection bodies reach the coding agent as the HTTP body of its failed request, so they follow
the error shape both the Anthropic and OpenAI SDKs print (`{"type": "error", "error": {"type",
"message", ...}}`) and carry the facts a human needs: which budget, how much, until when.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from controlplane.clock import isoformat
from controlplane.money import format_usd
from controlplane.settings import FailMode

Standing = Literal["active", "suspended", "deregistered", "unknown"]
"""`unknown`: no team has (or had) the client; `deregistered`: its team was deleted."""
Enforcement = Literal["hard", "soft"]

DEGRADED_REASON = "budget check degraded: store unavailable"


@dataclass(frozen=True)
class Caller:
    """Who sends the request: the verified client and what the store says of its team."""

    client_id: str
    team_id: str | None
    standing: Standing


@dataclass(frozen=True)
class BudgetState:
    """The team's budget: amount, enforcement and per-model limits (provider model id -> USD)."""

    budget_id: str
    amount: Decimal
    enforcement: Enforcement
    model_limits: Mapping[str, Decimal]


@dataclass(frozen=True)
class MonthSpend:
    """The team's spend in the current period, in total and per provider model id."""

    month: str
    spent: Decimal
    per_model: Mapping[str, Decimal]
    period_end: datetime


@dataclass(frozen=True)
class RequestedModel:
    """The client-facing model name and every model id the request may be billed as."""

    name: str
    billed_as: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """Pass, or reject with `status` and a JSON `body` for the client."""

    passed: bool
    status: int | None
    reason: str
    body: dict[str, Any] | None = None

    @property
    def outcome(self) -> str:
        """`pass` or the rejection status, as counted in the stats."""
        return "pass" if self.passed else str(self.status)


@dataclass(frozen=True)
class _Exhausted:
    model: str | None
    spent: Decimal
    limit: Decimal


def passed(reason: str) -> Decision:
    return Decision(passed=True, status=None, reason=reason)


def rejected(status: int, error_type: str, code: str, message: str, **facts: str) -> Decision:
    """A rejection whose body says why in `message` and carries `facts` as fields."""
    error = {"type": error_type, "code": code, "message": message, **facts}
    return Decision(
        passed=False, status=status, reason=code, body={"type": "error", "error": error}
    )


def unauthorized(detail: str) -> Decision:
    """A 401 whose message is the verifier's detail, as a sentence."""
    message = detail[:1].upper() + detail[1:].rstrip(".") + "."
    return rejected(401, "authentication_error", "unauthorized", message)


def degraded(fail_mode: FailMode) -> Decision:
    """What to answer when the state cannot be read and none was known before."""
    if fail_mode == "open":
        return passed(DEGRADED_REASON)
    return rejected(
        503,
        "service_unavailable",
        "budget_check_unavailable",
        "The gateway cannot check this team's budget right now (its store is unavailable); "
        "retry in a few seconds.",
    )


def decide(
    caller: Caller,
    budget: BudgetState | None,
    spend: MonthSpend | None,
    model: RequestedModel,
) -> Decision:
    """The decision for a verified caller; `spend` is required when there is a budget."""
    team_id = caller.team_id
    if caller.standing == "unknown" or team_id is None:
        return unauthorized(
            f"The access token's client {caller.client_id} belongs to no team of this gateway."
        )
    if caller.standing == "deregistered":
        return rejected(
            403,
            "permission_error",
            "team_deregistered",
            f"Team {team_id} was deregistered; its credentials may no longer use the gateway.",
            team_id=team_id,
        )
    if caller.standing == "suspended":
        return rejected(
            403,
            "permission_error",
            "team_suspended",
            f"Team {team_id} is suspended; ask a gateway operator to reactivate it.",
            team_id=team_id,
        )
    if budget is None:
        return passed("no budget")
    if spend is None:
        raise ValueError("a budget is checked against the month's spend")
    over = _exhausted(budget, spend, model)
    if not over:
        return passed(f"within budget {budget.budget_id}")
    if budget.enforcement == "soft":
        return passed(f"soft budget {budget.budget_id} over: " + "; ".join(map(_summary, over)))
    return _budget_rejection(team_id, budget, spend, model, over[0])


def _exhausted(budget: BudgetState, spend: MonthSpend, model: RequestedModel) -> list[_Exhausted]:
    """The budget (first) and the model limits the request could spend on that are used up."""
    over: list[_Exhausted] = []
    if spend.spent >= budget.amount:
        over.append(_Exhausted(None, spend.spent, budget.amount))
    if budget.model_limits:
        seen: set[str] = set()
        for name in model.billed_as:
            limit = budget.model_limits.get(name)
            if limit is None or name in seen:
                continue
            seen.add(name)
            spent = spend.per_model.get(name, Decimal(0))
            if spent >= limit:
                over.append(_Exhausted(name, spent, limit))
    return over


def _summary(over: _Exhausted) -> str:
    what = "budget" if over.model is None else f"limit of {over.model}"
    return f"{what} {format_usd(over.spent)} of {format_usd(over.limit)} USD"


def _budget_rejection(
    team_id: str,
    budget: BudgetState,
    spend: MonthSpend,
    model: RequestedModel,
    over: _Exhausted,
) -> Decision:
    spent, limit = format_usd(over.spent), format_usd(over.limit)
    resets_at = isoformat(spend.period_end)
    facts = {
        "team_id": team_id,
        "budget_id": budget.budget_id,
        "period": spend.month,
        "spent_usd": spent,
        "limit_usd": limit,
        "resets_at": resets_at,
    }
    if over.model is None:
        message = (
            f"Team {team_id} has spent its monthly budget {budget.budget_id}: {spent} USD of "
            f"{limit} USD. Requests are refused until the budget resets at {resets_at}, or "
            "until a gateway operator raises it."
        )
        return rejected(429, "budget_exceeded", "budget_exhausted", message, **facts)
    served = "" if over.model == model.name else f" (which can serve {model.name!r})"
    message = (
        f"Team {team_id} has spent its limit for model {over.model}{served} in budget "
        f"{budget.budget_id}: {spent} USD of {limit} USD. Requests that may be billed to this "
        f"model are refused until the budget resets at {resets_at}; other models still work."
    )
    return rejected(
        429,
        "budget_exceeded",
        "model_limit_exhausted",
        message,
        model=over.model,
        requested_model=model.name,
        **facts,
    )


def to_webhook_reply(decision: Decision) -> dict[str, Any]:
    """agentgateway's reply: `reason` alone passes; `body` (a string) and `status_code` reject."""
    if decision.passed:
        return {"action": {"reason": decision.reason}}
    return {
        "action": {
            "body": json.dumps(decision.body, separators=(",", ":")),
            "status_code": decision.status,
            "reason": decision.reason,
        }
    }

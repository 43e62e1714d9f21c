"""The budget check: agentgateway's promptGuard webhook, called before every LLM request.

Who is calling is taken from the forwarded bearer token, which this module verifies itself
(signature, issuer, expiry). The endpoint is reachable over the network (a Lambda Function URL
or ALB target on AWS, the local server's port locally): trusting the client-id header that the
rendered config adds would let anything that reaches the endpoint pick a team and read or spend
its budget. Verification costs one RS256 signature check per token lifetime, because verified
tokens are remembered by token string until their `exp`. The client-id header only serves
logging and a consistency check (a header naming another client than the token is refused).

The verifier's own "client still exists" test is not used: whether the client still belongs to
a team is read from `client_teams` / `retired_clients`, so a deregistered team's token that is
still within its lifetime gets a 403 that says so rather than an anonymous 401, locally as on
AWS (where Cognito tokens of a deleted app client keep a valid signature).

State is read through a short-lived cache (settings.budget_check_cache_ttl_seconds, 5 s by
default): per client its team and standing, per team and month its budget and spend (total and
per model), per model name the provider models it may be billed as. A warm decision makes no
store round trip. When the store fails, the last known state is used even if expired; with none,
settings.budget_check_fail_mode decides (open: pass, closed: 503). Every such decision is logged
and counted in `BudgetCheck.stats`; after a failure the store is left alone for
STORE_RETRY_SECONDS, so an outage does not add a store timeout to every request. Every decision
is counted by outcome in the process's metrics too (`controlplane/metrics.py`), degraded ones by
mode.

How far a team can overshoot its budget: spend is charged after the response, from the access
logs, so a decision sees spend that is (ingestion delay + cache TTL) old. The overshoot is at
most the requests the team starts in that window times what each can cost (prompt tokens times
the input price plus max_tokens times the output price). docs/budget-check.md works an example
and lists what bounds it (cache TTL, ingestion batch interval, max tokens, rate limits).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from controlplane.domain.budget_check import (
    BudgetState,
    Caller,
    Decision,
    MonthSpend,
    RequestedModel,
    decide,
    degraded,
    to_webhook_reply,
    unauthorized,
)
from controlplane.domain.periods import month_end, month_of, month_start
from controlplane.errors import Unauthorized
from controlplane.gateway_protocol import HEADER_AUTHORIZATION, HEADER_CLIENT_ID, HEADER_MODEL
from controlplane.identity.authorizer import bearer_token
from controlplane.identity.tokens import TokenVerifier
from controlplane.metrics import record_budget_decision
from controlplane.money import parse_usd
from controlplane.services import Services, build_services
from controlplane.settings import FailMode, Settings
from controlplane.spend import spent_per_model

log = logging.getLogger(__name__)

STORE_RETRY_SECONDS = 1.0
"""After a store failure, decisions use what is known for this long before trying it again."""
MAX_TOKENS = 10_000
"""Verified tokens remembered; beyond this, expired ones are dropped, then the oldest."""
MAX_ENTRIES = 10_000
"""Entries per state cache (clients, team months, model names); the oldest is dropped beyond."""

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _NeedsStore(Exception):
    """A warm-only decision would have to read the store."""


@dataclass(frozen=True, slots=True)
class _Token:
    client_id: str
    expires_at: int


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V
    read_at: float


@dataclass(frozen=True)
class _TeamMonth:
    budget: BudgetState | None
    spend: MonthSpend | None


@dataclass
class BudgetCheckStats:
    """Decisions by outcome (`pass`, `401`, `403`, `429`, `503`), degraded ones, store errors."""

    decisions: Counter[str] = field(default_factory=Counter)
    degraded: int = 0
    store_errors: int = 0

    def snapshot(self) -> dict[str, object]:
        return {
            "decisions": dict(self.decisions),
            "degraded": self.degraded,
            "store_errors": self.store_errors,
        }


class BudgetCheck:
    """Decides agentgateway's promptGuard calls from the forwarded token and the model header."""

    def __init__(
        self,
        services: Services,
        verifier: TokenVerifier,
        *,
        now: Callable[[], float] = time.monotonic,
        log_refusals: bool = True,
    ) -> None:
        """`log_refusals=False` when the caller logs each decision itself (the local server's
        request line carries the outcome and reason)."""
        self._services = services
        self._log_refusals = log_refusals
        self._verifier = _signature_only(verifier)
        self._now = now
        self._ttl = services.settings.budget_check_cache_ttl_seconds
        self._fail_mode = services.settings.budget_check_fail_mode
        self._tokens: dict[str, _Token] = {}
        self._clients: dict[str, _Entry[Caller]] = {}
        self._team_months: dict[tuple[str, str], _Entry[_TeamMonth]] = {}
        self._billed_as: dict[str, _Entry[tuple[str, ...]]] = {}
        self._store_retry_at = float("-inf")
        self._month = ""
        self._month_start = self._month_end = float("-inf")
        # Decisions may run on several threads (the local server); the caches tolerate racing
        # readers, but writers and counters take the lock.
        self._lock = threading.Lock()
        self.stats = BudgetCheckStats()

    def reply(self, headers: Mapping[str, str]) -> dict[str, object]:
        """The webhook's JSON reply to a call carrying `headers`."""
        return to_webhook_reply(self.decide(headers))

    def warm_reply(self, headers: Mapping[str, str]) -> dict[str, object] | None:
        """The reply if the cache decides it without the store, else None (then call `reply`)."""
        decision = self.warm_decision(headers)
        return None if decision is None else to_webhook_reply(decision)

    def warm_decision(self, headers: Mapping[str, str]) -> Decision | None:
        """The decision if the cache makes it without the store, else None (then `decide`)."""
        try:
            return self._decide(headers, warm_only=True)
        except _NeedsStore:
            return None

    def decide(self, headers: Mapping[str, str]) -> Decision:
        """The decision for a call carrying `headers` (names compared case-insensitively)."""
        return self._decide(headers, warm_only=False)

    def _decide(self, headers: Mapping[str, str], *, warm_only: bool) -> Decision:
        lowered = {name.lower(): value for name, value in headers.items()}
        wall = self._services.clock().timestamp()
        try:
            client_id = self._verified_client(lowered.get(HEADER_AUTHORIZATION), wall)
        except Unauthorized as error:
            return self._finish(unauthorized(error.detail), None)
        claimed = lowered.get(HEADER_CLIENT_ID)
        if claimed and claimed != client_id:
            return self._finish(
                unauthorized(f"the {HEADER_CLIENT_ID} header names another client than the token"),
                client_id,
            )
        now = self._now()
        known_caller, stale = self._read(
            self._clients, client_id, self._fetch_caller, now, warm_only
        )
        if known_caller is None:
            return self._fail(client_id)
        caller = known_caller.value
        model_name = lowered.get(HEADER_MODEL, "").strip()
        if caller.standing != "active" or caller.team_id is None:
            requested = RequestedModel(model_name, ())
            return self._finish(decide(caller, None, None, requested), client_id, stale=stale)
        month = self._current_month(wall)
        known_team, team_stale = self._read(
            self._team_months, (caller.team_id, month), self._fetch_team_month, now, warm_only
        )
        if known_team is None:
            return self._fail(client_id)
        team, stale = known_team.value, stale or team_stale
        billed_as: tuple[str, ...] = (model_name,) if model_name else ()
        # Routing rules matter only for per-model limits: without any, skip their reads.
        if model_name and team.budget is not None and team.budget.model_limits:
            routed, routed_stale = self._read(
                self._billed_as, model_name, self._fetch_billed_as, now, warm_only
            )
            if routed is None:
                return self._fail(client_id)
            billed_as, stale = routed.value, stale or routed_stale
        decision = decide(caller, team.budget, team.spend, RequestedModel(model_name, billed_as))
        return self._finish(decision, client_id, stale=stale)

    # Identity ------------------------------------------------------------------------------

    def _verified_client(self, authorization: str | None, wall: float) -> str:
        token = bearer_token(authorization)
        known = self._tokens.get(token)
        if known is not None and known.expires_at > wall:
            return known.client_id
        claims = self._verifier.verify(token)
        client_id = str(claims["client_id"])
        with self._lock:
            if len(self._tokens) >= MAX_TOKENS:
                self._forget_tokens(wall)
            self._tokens[token] = _Token(client_id, int(claims["exp"]))
        return client_id

    def _forget_tokens(self, wall: float) -> None:
        expired = [token for token, known in self._tokens.items() if known.expires_at <= wall]
        for token in expired:
            del self._tokens[token]
        while len(self._tokens) >= MAX_TOKENS:
            del self._tokens[next(iter(self._tokens))]

    # State, through the cache ----------------------------------------------------------------

    def _read(
        self,
        cache: dict[K, _Entry[V]],
        key: K,
        fetch: Callable[[K], V],
        now: float,
        warm_only: bool,
    ) -> tuple[_Entry[V] | None, bool]:
        """The state of `key` and whether it is stale (last known, the store having failed)."""
        entry = cache.get(key)
        if entry is not None and now - entry.read_at < self._ttl:
            return entry, False
        if warm_only:
            raise _NeedsStore
        if now >= self._store_retry_at:
            try:
                value = fetch(key)
            except Exception:
                # StoreUnavailable, or anything else the store raised: both mean "not known now".
                log.warning("budget check: reading %r from the store failed", key, exc_info=True)
                with self._lock:
                    self._store_retry_at = now + STORE_RETRY_SECONDS
                    self.stats.store_errors += 1
            else:
                fresh = _Entry(value, now)
                with self._lock:
                    cache.pop(key, None)
                    cache[key] = fresh
                    if len(cache) > MAX_ENTRIES:
                        del cache[next(iter(cache))]
                return fresh, False
        return entry, True

    def _fetch_caller(self, client_id: str) -> Caller:
        services = self._services
        team_id = services.client_teams.lookup(client_id)
        if team_id is not None:
            found = services.teams.get(team_id)
            if found is not None:
                return Caller(client_id, team_id, found.value.status)
        retired_team = services.retired_clients.lookup(client_id)
        if retired_team is not None:
            return Caller(client_id, retired_team, "deregistered")
        return Caller(client_id, None, "unknown")

    def _fetch_team_month(self, key: tuple[str, str]) -> _TeamMonth:
        team_id, month = key
        services = self._services
        budget_id = services.team_budgets.lookup(team_id)
        found = services.budgets.get(budget_id) if budget_id is not None else None
        if found is None:
            return _TeamMonth(None, None)
        budget = found.value
        state = BudgetState(
            budget_id=budget.budget_id,
            amount=parse_usd(budget.amount_usd),
            enforcement=budget.enforcement,
            model_limits={
                limit.model: parse_usd(limit.amount_usd) for limit in budget.model_limits
            },
        )
        usage = services.ledger.month(team_id, month)
        spend = MonthSpend(
            month=month,
            spent=usage.totals.cost_usd,
            per_model=spent_per_model(usage),
            period_end=month_end(month),
        )
        return _TeamMonth(state, spend)

    def _fetch_billed_as(self, model_name: str) -> tuple[str, ...]:
        """The name itself and the provider models of the enabled rule named exactly so."""
        services = self._services
        names = [model_name]
        rule_id = services.route_models.lookup(model_name)
        found = services.routes.get(rule_id) if rule_id is not None else None
        if found is not None and found.value.enabled and found.value.model == model_name:
            names += [target.model for target in found.value.targets]
        return tuple(dict.fromkeys(names))

    def _current_month(self, wall: float) -> str:
        # Formatting the month on every call would add a tenth to a warm decision: redo it only
        # when the wall clock leaves the known month.
        if not self._month_start <= wall < self._month_end:
            month = month_of(datetime.fromtimestamp(wall, UTC))
            self._month = month
            self._month_start = month_start(month).timestamp()
            self._month_end = month_end(month).timestamp()
        return self._month

    # Outcome ---------------------------------------------------------------------------------

    def _fail(self, client_id: str) -> Decision:
        """No state known and the store failing: the fail mode decides."""
        return self._finish(
            degraded(self._fail_mode), client_id, degraded_by=f"fail {self._fail_mode}"
        )

    def _finish(
        self,
        decision: Decision,
        client_id: str | None,
        *,
        stale: bool = False,
        degraded_by: str | None = None,
    ) -> Decision:
        if stale and degraded_by is None:
            degraded_by = "last known state"
        with self._lock:
            self.stats.decisions[decision.outcome] += 1
            if degraded_by is not None:
                self.stats.degraded += 1
        record_budget_decision(
            decision.outcome, degraded_by.replace(" ", "_") if degraded_by is not None else None
        )
        if degraded_by is not None:
            log.warning(
                "budget check degraded (%s) for client %s: %s, %s",
                degraded_by,
                client_id,
                decision.outcome,
                decision.reason,
            )
        elif not decision.passed and self._log_refusals:
            log.info("budget check refused client %s: %s", client_id, decision.reason)
        return decision


def decision_without_check(fail_mode: FailMode) -> Decision:
    """The fail mode's decision when no `BudgetCheck` could be built (the issuer's keys or the
    store unreachable at start): nothing is known, as in a store outage, and it is counted so."""
    decision = degraded(fail_mode)
    record_budget_decision(decision.outcome, f"fail_{fail_mode}")
    return decision


JWKS_TIMEOUT_SECONDS = 5.0
_JWKS_SCHEMES = ("https", "http", "file")
"""`file` serves air-gapped set-ups and tests; the URL is the operator's setting, not input."""


def fetch_jwks(url: str, timeout: float = JWKS_TIMEOUT_SECONDS) -> dict[str, Any]:
    """The JSON Web Key Set at `url`."""
    import json
    import urllib.parse
    import urllib.request

    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in _JWKS_SCHEMES:
        raise ValueError(f"the JWKS URL must use one of {_JWKS_SCHEMES}, not {scheme!r}")
    with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - scheme checked
        jwks: dict[str, Any] = json.load(answer)
    if not isinstance(jwks.get("keys"), list):
        raise ValueError(f"{url} is not a JSON Web Key Set")
    return jwks


def build_budget_check(settings: Settings) -> BudgetCheck:
    """The budget check of a process of its own (the Lambda, the sidecar): the store from
    `settings`, tokens verified with the issuer's keys (fetched once, now).

    Cognito's tokens of a deleted app client stay validly signed; which clients still belong
    to a team is the store's answer (BudgetCheck), so the verifier accepts any client.
    """
    services = build_services(settings)
    verifier = TokenVerifier(
        fetch_jwks(settings.effective_jwks_url),
        settings.issuer,
        services.clock,
        _any_client,
    )
    return BudgetCheck(services, verifier)


def _signature_only(verifier: TokenVerifier) -> TokenVerifier:
    """The verifier, minus its "client still exists" test (the store answers that, see above)."""
    checked = copy.copy(verifier)
    checked.client_active = _any_client
    return checked


def _any_client(_client_id: str) -> bool:
    return True

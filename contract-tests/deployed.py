"""Deployed mode of the contract tests (`make contract-test-deployed`): a stage instead of a server.

- Settings: `GATEWAY_API_URL` (the stage's base URL), `GATEWAY_TOKEN_ENDPOINT`, `GATEWAY_CLIENT_ID`
  and `GATEWAY_CLIENT_SECRET` (the admin client's, from `terraform output`).
- Tokens: the client-credentials grant as Cognito expects it (form-encoded body, client id and
  secret in HTTP Basic, scope `https://gateway.internal/admin`), renewed before they expire.
- Safety: a run creates, changes and deletes whatever it can reach, so it refuses a stage that
  already holds teams, budgets, routing rules, scanner policies or price overrides, unless
  `CONTRACT_TESTS_ALLOW_EXISTING_DATA=1` (then what was there is left out of the per-scenario reset,
  though the fuzzer may still change it).
- Clean-up: every answer is recorded (`Created.record`, an `after_call` hook); at the end of the
  session everything the run created is deleted (teams own Cognito app clients), plus anything
  that was not there at the start, and what was deleted is printed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

ADMIN_SCOPE = "https://gateway.internal/admin"
REQUIRED = {
    "GATEWAY_API_URL": "the stage's base URL (terraform output admin_api_url)",
    "GATEWAY_TOKEN_ENDPOINT": "the Cognito token endpoint (terraform output token_endpoint)",
    "GATEWAY_CLIENT_ID": "the admin client's id (terraform output admin_client_id)",
    "GATEWAY_CLIENT_SECRET": "its secret (terraform output -raw admin_client_secret)",
}
ALLOW_EXISTING = "CONTRACT_TESTS_ALLOW_EXISTING_DATA"
RENEW_BEFORE_SECONDS = 300
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Stage:
    api_url: str
    token_endpoint: str
    client_id: str
    client_secret: str


def missing_settings(environ: Mapping[str, str]) -> list[str]:
    return [name for name in REQUIRED if not environ.get(name, "").strip()]


def missing_settings_message(missing: list[str]) -> str:
    lines = [f"  {name}: {REQUIRED[name]}" for name in missing]
    return (
        "make contract-test-deployed needs these environment variables, which are not set:\n"
        + "\n".join(lines)
        + '\nSee contract-tests/README.md, "Against a deployed stage".'
    )


def stage_from(environ: Mapping[str, str]) -> Stage:
    return Stage(
        api_url=environ["GATEWAY_API_URL"].strip().rstrip("/"),
        token_endpoint=environ["GATEWAY_TOKEN_ENDPOINT"].strip(),
        client_id=environ["GATEWAY_CLIENT_ID"].strip(),
        client_secret=environ["GATEWAY_CLIENT_SECRET"].strip(),
    )


def allows_existing_data(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(ALLOW_EXISTING, "") == "1"


class TokenFailed(RuntimeError):
    """The token endpoint refused the admin client."""


class ClientCredentials:
    """Admin access tokens from the token endpoint, renewed `RENEW_BEFORE_SECONDS` before expiry."""

    def __init__(self, stage: Stage) -> None:
        self._stage = stage
        self._token = ""
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if time.monotonic() >= self._expires_at - RENEW_BEFORE_SECONDS:
                self._fetch()
            return self._token

    def _fetch(self) -> None:
        # Cognito: POST /oauth2/token, application/x-www-form-urlencoded, the client
        # authenticated with HTTP Basic (client_secret_basic), the scope as a form field.
        try:
            answer = httpx.post(
                self._stage.token_endpoint,
                data={"grant_type": "client_credentials", "scope": ADMIN_SCOPE},
                auth=(self._stage.client_id, self._stage.client_secret),
                headers={"Accept": "application/json"},
                timeout=TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as failure:
            raise TokenFailed(f"{self._stage.token_endpoint}: {failure!r}") from failure
        if answer.status_code != 200:
            raise TokenFailed(
                f"the token endpoint {self._stage.token_endpoint} answered "
                f"{answer.status_code}: {answer.text[:500]}"
            )
        issued = answer.json()
        self._token = str(issued["access_token"])
        self._expires_at = time.monotonic() + float(issued.get("expires_in", 3600))


# What exists, and what a run created ------------------------------------------------------------


@dataclass
class Inventory:
    """Ids of the resources of each kind (price overrides as `provider/model`)."""

    teams: set[str] = field(default_factory=set)
    budgets: set[str] = field(default_factory=set)
    routing_rules: set[str] = field(default_factory=set)
    scanner_policies: set[str] = field(default_factory=set)
    price_overrides: set[str] = field(default_factory=set)

    KINDS = ("teams", "budgets", "routing_rules", "scanner_policies", "price_overrides")

    def kind(self, name: str) -> set[str]:
        kind: set[str] = getattr(self, name)
        return kind

    def empty(self) -> bool:
        return not any(self.kind(name) for name in self.KINDS)

    def describe(self) -> str:
        return ", ".join(f"{len(self.kind(k))} {k.replace('_', ' ')}" for k in self.KINDS)


# The collection, the id field of its items and the operation that creates one, per kind.
COLLECTIONS = {
    "teams": ("/teams", "team_id"),
    "budgets": ("/budgets", "budget_id"),
    "routing_rules": ("/routing", "rule_id"),
    "scanner_policies": ("/scanner", "policy_id"),
}
CREATES = {
    "createTeam": "teams",
    "createBudget": "budgets",
    "createRoutingRule": "routing_rules",
    "createScannerPolicy": "scanner_policies",
}


@dataclass
class Created:
    """What the run created, from the answers it got: the ids in 201s to the create operations
    (createTeam answers `{"team": {"team_id": ...}, "budget_id": ...}`, the others the resource),
    and the price overrides that putPriceOverride set (200 or 201)."""

    enabled: bool = False
    inventory: Inventory = field(default_factory=Inventory)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation_id: str, status: int, body: Any, path: Mapping[str, Any]) -> None:
        if not self.enabled or not 200 <= status < 300 or not isinstance(body, dict):
            return
        with self._lock:
            if operation_id == "createTeam" and status == 201:
                self._add("teams", (body.get("team") or {}).get("team_id"))
                self._add("budgets", body.get("budget_id"))
            elif operation_id in CREATES and status == 201:
                kind = CREATES[operation_id]
                self._add(kind, body.get(COLLECTIONS[kind][1]))
            elif operation_id == "putPriceOverride":
                provider = body.get("provider", path.get("provider"))
                self._add("price_overrides", f"{provider}/{body.get('model', path.get('model'))}")

    def _add(self, kind: str, item_id: Any) -> None:
        if isinstance(item_id, str) and item_id:
            self.inventory.kind(kind).add(item_id)


CREATED = Created()
"""The one recorder of the session (the schema's `after_call` hook and `_reset` feed it)."""


def each(api: httpx.Client, path: str) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = api.get(path, params=params).raise_for_status().json()
        yield from page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return


def take_inventory(api: httpx.Client) -> Inventory:
    found = Inventory()
    for kind, (path, id_field) in COLLECTIONS.items():
        found.kind(kind).update(str(item[id_field]) for item in each(api, path))
    found.price_overrides.update(
        f"{price['provider']}/{price['model']}"
        for price in each(api, "/pricing")
        if price["source"] == "override"
    )
    return found


@contextmanager
def admin_client(base_url: str, token: Callable[[], str]) -> Iterator[httpx.Client]:
    def authorize(request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {token()}"

    with httpx.Client(
        base_url=base_url, timeout=TIMEOUT_SECONDS, event_hooks={"request": [authorize]}
    ) as api:
        yield api


def item_path(kind: str, item_id: str) -> str:
    if kind == "price_overrides":
        provider, _, model = item_id.partition("/")
        return f"/pricing/{quote(provider, safe='')}/{quote(model, safe='')}"
    return f"{COLLECTIONS[kind][0]}/{quote(item_id, safe='')}"


@dataclass
class CleanUp:
    deleted: dict[str, list[str]] = field(default_factory=dict)
    already_gone: dict[str, list[str]] = field(default_factory=dict)
    unrecorded: dict[str, list[str]] = field(default_factory=dict)
    """New since the start but in no recorded answer (e.g. a create whose answer was lost)."""
    failed: list[str] = field(default_factory=list)
    left: Inventory | None = None

    def lines(self) -> list[str]:
        lines = []
        for kind in Inventory.KINDS:
            deleted = self.deleted.get(kind, [])
            gone = self.already_gone.get(kind, [])
            unrecorded = self.unrecorded.get(kind, [])
            label = kind.replace("_", " ")
            lines.append(
                f"{label}: deleted {len(deleted)}"
                + (f" ({', '.join(sorted(deleted))})" if deleted else "")
                + (f"; {len(gone)} already gone (with their team, or by the run)" if gone else "")
                + (f"; {len(unrecorded)} found only by listing" if unrecorded else "")
            )
        lines += [f"FAILED: {failure}" for failure in self.failed]
        if self.left is not None and not self.left.empty():
            lines.append(f"LEFT BEHIND: {self.left.describe()}")
        return lines


def clean_up(api: httpx.Client, created: Inventory, before: Inventory) -> CleanUp:
    """Delete what the run created and anything that was not there `before`.

    Teams first: deleting a team deletes its budget (and its Cognito app client). Price overrides
    that existed before are left alone even if the run changed them.
    """
    result = CleanUp()
    now = take_inventory(api)
    for kind in Inventory.KINDS:
        new = now.kind(kind) - before.kind(kind)
        targets = (created.kind(kind) | new) - before.kind(kind)
        if new - created.kind(kind):
            result.unrecorded[kind] = sorted(new - created.kind(kind))
        for item_id in sorted(targets):
            answer = api.delete(item_path(kind, item_id))
            if answer.status_code in (200, 204):
                result.deleted.setdefault(kind, []).append(item_id)
            elif answer.status_code == 404:
                result.already_gone.setdefault(kind, []).append(item_id)
            else:
                result.failed.append(
                    f"DELETE {item_path(kind, item_id)}: {answer.status_code} {answer.text[:200]}"
                )
    after = take_inventory(api)
    result.left = Inventory(
        **{kind: after.kind(kind) - before.kind(kind) for kind in Inventory.KINDS}
    )
    return result

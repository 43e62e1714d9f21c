"""agentgateway's config file, rendered from routing rules, scanner policies and prices (pure).

`render_config(inputs, settings)` returns one complete config for agentgateway v1.4.1: the document
(validated elsewhere against the release's JSON schema, `controlplane.agentgateway`), its YAML text
and an ETag. No I/O, no clock: the same inputs give byte-identical text whatever their order.

Why the route-based form (`gateways`, `routes`, `routeGroups`, `ai` backends) and not `llm:`
-------------------------------------------------------------------------------------------
The `llm:` form names models directly, but it cannot carry what a routing rule means here:
- no retry policy exists anywhere under `llm:`, and failover needs one (a provider group is only
  left once its providers are evicted, and the request that trips the eviction fails unless a retry
  re-selects a provider);
- `llm.models[].name` matches only `*`, `prefix*` and `*suffix`, and virtual models (the only
  failover/weighted construct there) match exact names, so rules such as `claude-?-sonnet*` and
  every glob rule with several targets would be lost;
- guardrails hang off models without conditions, and a failover virtual model is resolved to a
  fixed backend when the config loads, so "only these teams' clients" cannot be expressed for it.
The route form expresses each rule completely in one place: a route whose match is the rule's model
name, whose policies are the rule's retry, and whose backend is the rule's targets (priority groups
with a health policy, or weighted backends). Route matches cannot read the body, so the gateway
copies the requested model into a header first (agentgateway's content-based routing pattern).

Layout of the rendered config
-----------------------------
- `gateways.default`: the listen port; `jwtAuth` (strict, Cognito issuer and JWKS), which runs
  before route selection so `jwt.*` claims exist everywhere after it; a request transformation that
  sets two internal headers: the requested model and, when team-scoped scanner policies exist, the
  client's *scan profile* (the set of team-scoped policies that apply to its team).
- `routes`: one parent route per scan profile (plus one for clients without team-scoped policies)
  on `/v1/chat/completions` and `/v1/messages`. It carries the `ai` policy: `routes` so both request
  formats parse (and `/v1/messages/count_tokens` as Anthropic token counting, each path also with a
  trailing slash), and `promptGuard` with the budget-check webhook and the profile's guards. It
  delegates to the route group `models`. `/v1/models` is answered from the rule list.
- `routeGroups[models]`: one route per enabled rule, matched on the model header (exact name, or
  the glob as an anchored regex), with the rule's retry policy and targets. Child routes inherit
  the parent's policies, so the guards are written once per profile, not once per rule. A last
  route answers a model no rule names with 404 `model_not_found` (or serves `default_model`).
- `frontendPolicies.accessLog.add`: the fields usage ingestion reads; `config.logging.format`.
- `config.modelCatalog`: our effective prices as agentgateway's cost catalog (optional).

Route precedence: agentgateway orders routes by path, then number of header matches, then route
key. Every child uses the same path match, so a child with a model header beats the catch-all, and
among rules the route name decides (`_route_name`: `exact:<model>`, `glob:<rank>:<stars>:<model>`):
exact names first, then globs by decreasing number of literal characters (the more specific glob
wins). A name depends on its rule only, never on its position, so a change to one rule changes one
route's text; `RouteCache` lets a render rebuild, rewrite as YAML and revalidate just that route.

What agentgateway cannot express, and how it is handled
-------------------------------------------------------
- `detect` (record only) has no regex-guard equivalent (agentgateway's regex guards only mask or
  reject), nor has Bedrock Guardrails' `detect` mode (its guard blocks): both are left out of the
  config and listed in the header comment and in `RenderedConfig.notes`.
- agentgateway has no condition on a guard, so team scoping is done by route selection (above).
- agentgateway runs no guard (and no budget check) on `/v1/messages/count_tokens`: a note in the
  header says so whenever a policy scans prompts.
- agentgateway writes a Bedrock Guardrail identifier into the request path unencoded: an ARN is
  written as its bare id (`controlplane.domain.bedrock_guardrails`).
- Built-in detectors without an agentgateway builtin (IP address, AWS keys, private key, JWT, IBAN,
  credentials in URLs) are our own regexes (Rust `regex` syntax, no look-around).
- The whole file is shell-expanded when agentgateway loads it: secrets are `${VAR}` references only,
  and a custom regex whose `$` would be read as a variable is rewritten to the equivalent `\\x24`
  (a literal dollar) or `(?:$)` (an end anchor), telling them apart as Rust's regex parser does
  (`controlplane.domain.rust_regex`); the YAML writer escapes any other such `$` as `\\x24`.
- Every regex of the config (custom rules, our detector patterns, header and path matches) is
  compiled by Rust's `regex` crate and every CEL expression parsed by agentgateway's `cel` fork
  when the file loads; one failure refuses the whole file. The API checks custom patterns with the
  same crate (`controlplane.domain.scanner`), and the tests check every render with both parsers.
- `jwtAuth` removes `Authorization` once it has validated the token, so forwarding the header to
  the budget check alone would deliver nothing: the webhook also re-adds the validated token from
  CEL (`WEBHOOK_RESTORED_HEADERS`).
- agentgateway replays a request for a retry only if its body fits its 64 KiB replay buffer; a
  larger prompt that trips an eviction fails, and the next request goes to the next group.
- Which clients a team-scoped policy covers is written into the config (the client ids of its
  teams), so registering or removing a client must re-render the config.

The YAML text is byte for byte `yaml.dump(document, Dumper=_Dumper, sort_keys=False,
width=_NO_FOLD)`: PyYAML's safe dumper, quoting every string that YAML 1.1, YAML 1.2 or serde_yaml
(agentgateway's reader) would not read back as itself (see "YAML text" below). It is produced by
`_block_yaml`, which writes the same block style directly, because PyYAML's representer alone
costs about 0.6 s per 1,000 rules; documents it does not cover (keys with line breaks, very long
keys) go through `yaml.dump`.

ETag: the strong HTTP ETag `"<hex SHA-256 of the UTF-8 text>"`, header comment included.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

import yaml

from controlplane.clock import isoformat
from controlplane.domain.bedrock_guardrails import guardrail_id, guardrail_region
from controlplane.domain.routing import DEFAULT_RETRY_STATUSES
from controlplane.domain.rust_regex import expands_after, shell_safe_regex
from controlplane.gateway_protocol import (
    ACCESS_LOG_ADDED_FIELDS,
    HEADER_MODEL,
    PROVIDER_LOG_NAMES,
    WEBHOOK_ADDED_HEADERS,
    WEBHOOK_FORWARDED_HEADERS,
    WEBHOOK_RESTORED_HEADERS,
)
from controlplane.money import normalise_usd
from generated.models import LongContextPrice, Price, RoutingRule, RoutingTarget, ScannerPolicy

JsonDict = dict[str, Any]

AGENTGATEWAY_RELEASE = "v1.4.1"

GATEWAY = "default"
"""Routes without `gateways` attach to the gateway named `default`."""
MODELS_GROUP = "models"

CHAT_PATH = "/v1/chat/completions"
MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
"""Anthropic's token counting (Claude Code calls it); parsed as `anthropicTokenCount`."""
MODELS_PATH = "/v1/models"
LLM_PATHS = "/v1/(?:chat/completions|messages(?:/count_tokens)?)/?"
"""The one path match of every child route: equal paths leave precedence to the header count.

A path regex must match the whole path (v1.4.1 http/route.rs `matches_request`), while the
parents' `pathPrefix` also takes a trailing slash and `/count_tokens`: without them here, those
requests found no child route and got 404."""
AI_ROUTES = {
    path + slash: kind
    for path, kind in (
        (CHAT_PATH, "completions"),
        (MESSAGES_PATH, "messages"),
        (COUNT_TOKENS_PATH, "anthropicTokenCount"),
    )
    for slash in ("", "/")
}
"""How each path parses. agentgateway picks the longest key the path *ends with* and parses
anything else as chat completions (v1.4.1 llm/policy/mod.rs `resolve_route`), so the trailing-slash
forms need keys of their own. Token counting runs no guards (proxy/httpproxy.rs: "count_tokens
skips policies"), and providers without a counting endpoint answer it locally (llm/mod.rs
`process_count_tokens_request`)."""

ROUTED_MODEL_HEADER = "x-gateway-routed-model"
"""Internal: the requested model, copied from the body so routes can match it."""
SCAN_PROFILE_HEADER = "x-gateway-scan-profile"
"""Internal: which team-scoped scanner policies apply to the calling client."""

REQUESTED_MODEL_CEL = WEBHOOK_ADDED_HEADERS[HEADER_MODEL]
"""The model the client asked for, as the budget check is told it (empty when there is none)."""

UNHEALTHY_CEL = "response.code >= 500 || response.code == 429"
"""Responses that count against a provider in a failover group."""

_FAIL_MODES = {"open": "failOpen", "closed": "failClosed"}
_PHASES: Mapping[str, tuple[str, ...]] = {
    "request": ("request",),
    "response": ("response",),
    "both": ("request", "response"),
}

_BUILTIN_DETECTORS = {
    "credit_card": "creditCard",
    "email": "email",
    "phone": "phoneNumber",
    "us_ssn": "ssn",
}
"""Our detectors that agentgateway has as builtins."""

_DETECTOR_PATTERNS = {
    "aws_access_key": r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    "aws_secret_key": (
        r"(?i)\baws_?secret_?(?:access_?)?key\b[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}"
    ),
    "iban": r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
    "ip_address": (
        r"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}"
        r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\b"
        r"|\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b"
    ),
    "jwt": r"\beyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}",
    "private_key": (
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"
        r"[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"
    ),
    "url_credentials": r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]+:[^\s/@]+@",
}
"""Our own patterns for the other detectors, in Rust `regex` syntax (tests compile them with the
crate). agentgateway searches the text with them, masking each non-empty match (`find_iter`) or
rejecting on any (`is_match`), so they anchor themselves with `\\b` (Unicode word boundaries in
Rust, as in Python): `apply_prompt_guard_regex` in `crates/agentgateway/src/llm/policy/mod.rs`."""

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DURATION = re.compile(r"[1-9][0-9]*(?:ms|s|m|h)")


# Inputs, settings, result ------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderSettings:
    """What the render needs besides the stored rules; defaults work for a local run."""

    listen_port: int = 4000
    budget_check_url: str = "http://127.0.0.1:8080/hooks/budget-check"
    budget_check_fail_mode: Literal["open", "closed"] = "open"
    issuer: str = "http://127.0.0.1:8080"
    jwks_url: str = "http://127.0.0.1:8080/.well-known/jwks.json"
    openai_api_key_env: str = "OPENAI_API_KEY"
    anthropic_api_key_env: str = "ANTHROPIC_API_KEY"
    gemini_api_key_env: str = "GEMINI_API_KEY"
    azure_api_key_env: str = "AZURE_OPENAI_API_KEY"
    azure_resource_env: str = "AZURE_OPENAI_RESOURCE"
    """Environment variable holding the Azure OpenAI resource name (`<name>.openai.azure.com`)."""
    azure_api_version: str | None = None
    """Azure OpenAI API version; agentgateway's default (`v1`) when unset."""
    vertex_project_env: str = "VERTEX_PROJECT_ID"
    bedrock_region: str = "us-east-1"
    """Region of Bedrock targets that name none (the API requires one; this is a fallback)."""
    vertex_region: str = "us-central1"
    """Region of Vertex targets that name none (the API requires one; this is a fallback)."""
    log_format: Literal["json", "text"] = "json"
    include_cost_catalog: bool = True
    default_model: str | None = None
    """Client-facing model of the rule that serves models no rule names; unset: 404."""
    eviction_duration: str = "30s"
    """How long a failing provider of a failover rule stays evicted (doubles on repeats)."""
    eviction_consecutive_failures: int = 1
    """Failing responses (5xx, 429) in a row that evict a provider."""

    def __post_init__(self) -> None:
        problems = [*self._env_problems(), *self._value_problems()]
        if problems:
            raise ValueError("; ".join(problems))

    def _env_problems(self) -> Iterable[str]:
        for name in (
            "openai_api_key_env",
            "anthropic_api_key_env",
            "gemini_api_key_env",
            "azure_api_key_env",
            "azure_resource_env",
            "vertex_project_env",
        ):
            if not _ENV_NAME.fullmatch(getattr(self, name)):
                yield f"{name} must be an environment variable name"

    def _value_problems(self) -> Iterable[str]:
        if not 1 <= self.listen_port <= 65535:
            yield "listen_port must be 1-65535"
        if self.budget_check_fail_mode not in _FAIL_MODES:
            yield "budget_check_fail_mode must be open or closed"
        for name in ("budget_check_url", "issuer", "jwks_url"):
            url = urlsplit(getattr(self, name))
            if url.scheme not in ("http", "https") or not url.hostname:
                yield f"{name} must be an http(s) URL"
        # The config is shell-expanded: a `$` in these would be read as a variable.
        for name in ("budget_check_url", "issuer", "jwks_url", "azure_api_version"):
            if "$" in (getattr(self, name) or ""):
                yield f"{name} must not contain $"
        if not _DURATION.fullmatch(self.eviction_duration):
            yield "eviction_duration must be a duration such as 30s"
        if self.eviction_consecutive_failures < 1:
            yield "eviction_consecutive_failures must be at least 1"


@dataclass(frozen=True)
class RenderInputs:
    """The stored state the config is made of."""

    rules: Sequence[RoutingRule]
    policies: Sequence[ScannerPolicy] = ()
    prices: Sequence[Price] = ()
    team_clients: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Team id -> the OAuth client ids of the team (teams no longer present are skipped)."""
    inputs_changed_at: datetime | None = None
    """When rules, policies or prices last changed: written in the header, never the wall clock."""
    reuse: RouteCache | None = field(default=None, compare=False)
    """Child routes of earlier renders to reuse (the result is the same bytes without it)."""


@dataclass(frozen=True)
class RenderedConfig:
    """A rendered config: the document, its YAML text and the text's strong ETag."""

    document: JsonDict
    text: str
    etag: str
    """`"<hex SHA-256 of text>"`, quoted as an HTTP strong ETag."""
    notes: tuple[str, ...] = ()
    """What the inputs ask for that the config does not enforce (also in the header comment)."""
    texts: Mapping[int, tuple[Any, str]] = field(default_factory=dict, compare=False, repr=False)
    """id(part) -> (part, a text the part's content is a function of): the YAML of each child
    route, so that validation can key its cache on it without serialising the route again."""

    @property
    def sha256(self) -> str:
        return self.etag.strip('"')

    def known_text(self, part: Any) -> str | None:
        """The render's text of `part` (a child route of `document`), if it has one."""
        known = self.texts.get(id(part))
        return known[1] if known is not None and known[0] is part else None


def render_config(inputs: RenderInputs, settings: RenderSettings) -> RenderedConfig:
    """The complete agentgateway config for `inputs`; deterministic, whatever the input order."""
    rules = sorted((r for r in inputs.rules if r.enabled), key=_precedence)
    reuse = inputs.reuse or RouteCache()
    children = reuse.children(rules, settings)
    policies = sorted(
        (p for p in inputs.policies if p.enabled), key=lambda p: (p.name, p.policy_id)
    )
    profiles = _scan_profiles(policies, inputs.team_clients)
    notes = _notes(rules, policies, profiles, settings)
    document = {
        "config": _top_config(inputs.prices, settings),
        "frontendPolicies": {"accessLog": {"add": dict(ACCESS_LOG_ADDED_FIELDS)}},
        "gateways": {GATEWAY: _gateway(profiles, settings)},
        **_budget_check_backends(settings),
        "routes": [
            *(_llm_route(profile, settings) for profile in profiles),
            _model_list_route(rules),
        ],
        "routeGroups": [{"name": MODELS_GROUP, "routes": [c.route for c in children]}],
    }
    text = _header(inputs.inputs_changed_at, notes) + _document_yaml(document, children)
    etag = '"' + hashlib.sha256(text.encode()).hexdigest() + '"'
    return RenderedConfig(
        document=document, text=text, etag=etag, notes=tuple(notes), texts=reuse.texts
    )


# Rules -> child routes ---------------------------------------------------------------------------


_MAX_MODEL = 128
"""The longest client-facing model name the API accepts (`ClientModelName`)."""


@lru_cache(maxsize=1 << 14)
def _route_name(model: str) -> str:
    """The name of a rule's child route: its model name, prefixed so that names sort in precedence.

    Every child route has the same path match and one header match, which leaves the order to the
    route key, `<listener>/<namespace>/<name>` (v1.4.1 types/agent.rs `RouteSet::compare_route`,
    types/local.rs `convert_route`), so to the name: exact names first (`exact:` sorts before
    `glob:`; two exact names never match the same request), then the glob with more literal
    characters, then the one with fewer `*`. The name depends on the rule alone, not on its
    position: adding or removing a rule renames no other route, so their text, and their cached
    validation, stay the same.
    """
    wildcards = model.count("*") + model.count("?")
    if not wildcards:
        return f"exact:{model}"
    literal = len(model) - wildcards
    return f"glob:{max(_MAX_MODEL - literal, 0):03d}:{model.count('*'):03d}:{model}"


def _precedence(rule: RoutingRule) -> tuple[str, str]:
    """The order of the child routes: agentgateway's, by name (rule ids only break ties)."""
    return (_route_name(rule.model), rule.rule_id)


@dataclass(frozen=True)
class _Child:
    """A child route and its YAML as an item of the group's `routes` (None: not writable alone)."""

    route: JsonDict
    yaml: str | None


class RouteCache:
    """Child routes rendered before, by rule content, for later renders to reuse.

    A child route depends on its rule and the settings only, so a render that reuses this cache
    builds and writes as YAML only the routes of rules that changed, and `texts` lets validation
    recognise the others. The rendered bytes are the same with or without it. Renders that share
    a cache share its routes, and it remembers a rule's content by the rule object: neither the
    rules given to it nor the documents rendered with it may be modified.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # renders in several threads share one (the local server)
        self._settings: RenderSettings | None = None
        self._children: dict[tuple[str, str], _Child] = {}
        self._contents: dict[int, tuple[RoutingRule, str]] = {}
        self.texts: dict[int, tuple[JsonDict, str]] = {}
        """id(route) -> (route, its YAML): `RenderedConfig.texts` of the renders."""

    def children(self, rules: Sequence[RoutingRule], settings: RenderSettings) -> list[_Child]:
        """The child routes of `rules` (enabled, in precedence order), then the fallback route."""
        with self._lock:
            return self._children_of(rules, settings)

    def _children_of(self, rules: Sequence[RoutingRule], settings: RenderSettings) -> list[_Child]:
        if settings != self._settings:
            self._settings, self._children, self._contents, self.texts = settings, {}, {}, {}
        used: dict[tuple[str, str], _Child] = {}
        contents: dict[int, tuple[RoutingRule, str]] = {}
        for name, rule in zip(_unique_names(rules), rules, strict=True):
            key = (name, self._content(rule, contents))
            used[key] = self._children.get(key) or self._add(
                key, _rule_route(name, rule, _model_match(rule.model), settings)
            )
        default = next((r for r in rules if r.model == settings.default_model), None)
        key = ("", "" if default is None else self._content(default, contents))
        used[key] = self._children.get(key) or self._add(key, _fallback_route(rules, settings))
        if len(self._children) > 2 * len(used) + 64 or len(self._contents) > 2 * len(rules) + 64:
            # Forget the routes of rules that are gone.
            self._children, self._contents = used, contents
            self.texts = {id(c.route): (c.route, c.yaml) for c in used.values() if c.yaml}
        return list(used.values())

    def _content(self, rule: RoutingRule, seen: dict[int, tuple[RoutingRule, str]]) -> str:
        known = self._contents.get(id(rule))
        if known is None or known[0] is not rule:
            known = (rule, rule.model_dump_json())
            self._contents[id(rule)] = known
        seen[id(rule)] = known
        return known[1]

    def _add(self, key: tuple[str, str], route: JsonDict) -> _Child:
        child = self._children[key] = _child(route)
        if child.yaml is not None:
            self.texts[id(route)] = (route, child.yaml)
        return child


def _unique_names(rules: Sequence[RoutingRule]) -> list[str]:
    """Route names of rules in precedence order; a model twice (never so in the store) is told
    apart by its rule id, since agentgateway keeps one route of a name."""
    names = [_route_name(rule.model) for rule in rules]
    return [
        f"{name}:{rule.rule_id}" if index and name == names[index - 1] else name
        for index, (name, rule) in enumerate(zip(names, rules, strict=True))
    ]


def _child(route: JsonDict) -> _Child:
    text = _dump_yaml(_group_of([route]))
    head = _group_head()
    return _Child(route, text[len(head) :] if text.startswith(head) else None)


def _group_of(routes: list[JsonDict]) -> JsonDict:
    return {"routeGroups": [{"name": MODELS_GROUP, "routes": routes}]}


@lru_cache(maxsize=1)
def _group_head() -> str:
    """The YAML of the route group up to its first route (`routeGroups:`...`routes:`)."""
    one, other = (_dump_yaml(_group_of([{key: 1}])).splitlines(keepends=True) for key in "ab")
    head = itertools.takewhile(lambda pair: pair[0] == pair[1], zip(one, other, strict=False))
    return "".join(line for line, _ in head)


def _document_yaml(document: JsonDict, children: Sequence[_Child]) -> str:
    """`_dump_yaml(document)`, with the child routes' YAML written once per route, not per render.

    Block YAML is compositional: a mapping's text is its keys' texts in order, a list's its
    items'. `routeGroups` is the document's last key and holds the one group of the children.
    """
    if list(document)[-1] != "routeGroups" or any(c.yaml is None for c in children):
        return _dump_yaml(document)
    rest = {key: value for key, value in document.items() if key != "routeGroups"}
    return _dump_yaml(rest) + _group_head() + "".join(c.yaml or "" for c in children)


def _rule_route(
    name: str, rule: RoutingRule, header: JsonDict | None, settings: RenderSettings
) -> JsonDict:
    match: JsonDict = {"path": {"regex": LLM_PATHS}}
    if header is not None:
        match["headers"] = [header]
    route: JsonDict = {"name": name, "matches": [match]}
    if rule.retry.attempts > 0:
        route["policies"] = {"retry": _retry(rule)}
    route["backends"] = _rule_backends(rule, settings)
    return route


def _model_match(model: str) -> JsonDict:
    if "*" not in model and "?" not in model:
        return {"name": ROUTED_MODEL_HEADER, "value": {"exact": model}}
    return {"name": ROUTED_MODEL_HEADER, "value": {"regex": _glob_regex(model)}}


def _glob_regex(glob: str) -> str:
    """`claude-*` -> `^claude-.*$`; model names allow no regex metacharacter but `.`."""
    body = glob.replace(".", r"\.").replace("*", ".*").replace("?", ".")
    # Anchored, because agentgateway keeps a match only if its first (leftmost) match is whole.
    return f"^{body}$"


def _retry(rule: RoutingRule) -> JsonDict:
    statuses = rule.retry.on_status
    codes = DEFAULT_RETRY_STATUSES if statuses is None else statuses
    # Both count retries after the first call: agentgateway calls upstream `attempts + 1` times
    # (v1.4.1 proxy/httpproxy.rs, "attempts is the total number of attempts, not the retries",
    # despite the doc comment of http/retry/mod.rs; its test expects 2 calls for `attempts: 1`).
    # `attempts` is a NonZeroU8 there, so a rule without retries gets no retry policy at all.
    return {"attempts": rule.retry.attempts, "codes": sorted(set(codes))}


def _rule_backends(rule: RoutingRule, settings: RenderSettings) -> list[JsonDict]:
    if rule.strategy == "weighted":
        return [
            {"weight": target.weight or 1, "ai": _named_provider(target, settings)}
            for target in rule.targets
        ]
    if len(rule.targets) == 1:
        return [{"ai": _named_provider(rule.targets[0], settings)}]
    groups = [{"providers": [_named_provider(t, settings)]} for t in rule.targets]
    return [{"ai": {"groups": groups}, "policies": {"health": _health(settings)}}]


def _health(settings: RenderSettings) -> JsonDict:
    # Eviction is what moves traffic to the next priority group; the route's retry re-sends the
    # request that tripped it.
    return {
        "unhealthyExpression": UNHEALTHY_CEL,
        "eviction": {
            "duration": settings.eviction_duration,
            "consecutiveFailures": settings.eviction_consecutive_failures,
        },
    }


def _fallback_route(rules: Sequence[RoutingRule], settings: RenderSettings) -> JsonDict:
    default = next((r for r in rules if r.model == settings.default_model), None)
    if default is not None:
        return _rule_route("default-model", default, None, settings)
    return {
        "name": "unknown-model",
        "matches": [{"path": {"regex": LLM_PATHS}}],
        "policies": {"directResponse": _unknown_model_response()},
    }


def _unknown_model_response() -> JsonDict:
    message = "No routing rule serves the requested model."
    openai = {
        "error": {"message": message, "type": "invalid_request_error", "code": "model_not_found"}
    }
    anthropic = {"type": "error", "error": {"type": "not_found_error", "message": message}}
    body = (
        f"request.path.startsWith({_cel_string(MESSAGES_PATH)})"
        f" ? {_cel_string(_compact_json(anthropic))} : {_cel_string(_compact_json(openai))}"
    )
    return {"status": 404, "headers": _json_content_type(), "bodyExpression": body}


# Targets -> agentgateway providers ---------------------------------------------------------------


def _named_provider(target: RoutingTarget, settings: RenderSettings) -> JsonDict:
    name = "/".join(p for p in (target.provider, target.region, target.model) if p)
    named: JsonDict = {"name": name, "provider": _provider(target, settings)}
    named["policies"] = _provider_policies(target.provider, settings)
    return named


def _provider(target: RoutingTarget, settings: RenderSettings) -> JsonDict:
    model = target.model
    match target.provider:
        case "openai":
            return {"openAI": {"model": model}}
        case "anthropic":
            return {"anthropic": {"model": model}}
        case "gemini":
            return {"gemini": {"model": model}}
        case "bedrock":
            return {"bedrock": {"model": model, "region": target.region or settings.bedrock_region}}
        case "vertex":
            region = target.region or settings.vertex_region
            project = _env(settings.vertex_project_env)
            return {"vertex": {"model": model, "region": region, "projectId": project}}
        case "azure":
            azure: JsonDict = {
                "model": model,
                "resourceName": _env(settings.azure_resource_env),
                "resourceType": "openAI",
            }
            if settings.azure_api_version:
                azure["apiVersion"] = settings.azure_api_version
            return {"azure": azure}
    raise ValueError(f"cannot render a target of unknown provider {target.provider!r}")


def _provider_policies(provider: str, settings: RenderSettings) -> JsonDict:
    """Backend auth: SigV4 / Google ambient credentials, else an API key from the environment."""
    if provider == "bedrock":
        return {"backendAuth": {"aws": {}}}
    if provider == "vertex":
        return {"backendAuth": {"gcp": {}}}
    env = {
        "openai": settings.openai_api_key_env,
        "anthropic": settings.anthropic_api_key_env,
        "gemini": settings.gemini_api_key_env,
        "azure": settings.azure_api_key_env,
    }[provider]
    policies: JsonDict = {"backendAuth": {"key": _env(env)}}
    if provider == "azure":
        policies["backendTLS"] = {}
    return policies


def _env(name: str) -> str:
    """A reference agentgateway expands from its environment when it loads the file."""
    return "${" + name + "}"


# Scanner policies -> scan profiles and guards ----------------------------------------------------


@dataclass(frozen=True)
class _ScanProfile:
    """The parent route of the clients to which the same team-scoped policies apply."""

    name: str
    policies: tuple[ScannerPolicy, ...]
    """Every policy that applies: all-team ones and this profile's team-scoped ones, by name."""
    clients: tuple[str, ...]
    """Empty for the profile of every other client."""


def _scan_profiles(
    policies: Sequence[ScannerPolicy], team_clients: Mapping[str, Sequence[str]]
) -> list[_ScanProfile]:
    everyone = tuple(p for p in policies if p.applies_to.mode == "all")
    scoped_by_client: dict[str, set[str]] = {}
    for policy in policies:
        if policy.applies_to.mode != "teams":
            continue
        for team in policy.applies_to.team_ids or ():
            for client in team_clients.get(team, ()):
                scoped_by_client.setdefault(client, set()).add(policy.name)
    clients_by_set: dict[tuple[str, ...], list[str]] = {}
    for client, scoped in scoped_by_client.items():
        clients_by_set.setdefault(tuple(sorted(scoped)), []).append(client)
    by_name = {p.name: p for p in policies}
    profiles = [_ScanProfile("llm", everyone, ())]
    for index, names in enumerate(sorted(clients_by_set), start=1):
        chosen = sorted([*everyone, *(by_name[n] for n in names)], key=lambda p: p.name)
        profiles.append(
            _ScanProfile(f"llm-p{index}", tuple(chosen), _sorted(clients_by_set[names]))
        )
    return profiles


def _sorted(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(items)))


def _llm_route(profile: _ScanProfile, settings: RenderSettings) -> JsonDict:
    matches = []
    for path in (CHAT_PATH, MESSAGES_PATH):
        match: JsonDict = {"path": {"pathPrefix": path}}
        if profile.clients:
            match["headers"] = [{"name": SCAN_PROFILE_HEADER, "value": {"exact": profile.name}}]
        matches.append(match)
    return {
        "name": profile.name,
        "matches": matches,
        "policies": {
            # The internal routing headers have done their job: providers need not see them.
            "requestHeaderModifier": {"remove": [ROUTED_MODEL_HEADER, SCAN_PROFILE_HEADER]},
            "ai": {
                "routes": dict(AI_ROUTES),
                "promptGuard": _prompt_guard(profile.policies, settings),
            },
        },
        "backends": [{"routeGroup": MODELS_GROUP}],
    }


def _prompt_guard(policies: Sequence[ScannerPolicy], settings: RenderSettings) -> JsonDict:
    request = [_budget_check_guard(settings)]
    response: list[JsonDict] = []
    for policy in policies:
        for phase in _PHASES[policy.phase]:
            (request if phase == "request" else response).extend(_policy_guards(policy))
    guard: JsonDict = {"request": request}
    if response:
        # Without this, a streamed completion would bypass the response guards.
        guard["streaming"] = "Enabled"
        guard["response"] = response
    return guard


def _policy_guards(policy: ScannerPolicy) -> list[JsonDict]:
    """Reject before mask (a rejectable prompt is refused, not masked), then Bedrock Guardrails."""
    rules: dict[str, list[JsonDict]] = {"reject": [], "mask": []}
    for detector in sorted(policy.detectors, key=lambda d: d.detector):
        if detector.action != "detect":
            rules[detector.action].append(_detector_rule(detector.detector))
    for custom in sorted(policy.custom_rules, key=lambda r: r.name):
        if custom.action != "detect":
            rules[custom.action].append({"pattern": shell_safe_regex(custom.pattern)})
    guards: list[JsonDict] = []
    if rules["reject"]:
        reject = {"action": "reject", "rules": rules["reject"]}
        guards.append({"regex": reject, "rejection": _rejection(policy.name)})
    if rules["mask"]:
        guards.append({"regex": {"action": "mask", "rules": rules["mask"]}})
    guardrail = policy.bedrock_guardrail
    if guardrail is not None and guardrail.mode == "block":
        # agentgateway writes the identifier into the request path unencoded (v1.4.1
        # llm/policy/bedrock_guardrails.rs): an ARN would break every call, so its bare id it is.
        bedrock = {
            "guardrailIdentifier": guardrail_id(guardrail.identifier),
            "guardrailVersion": guardrail.version,
            "region": guardrail_region(guardrail.identifier, guardrail.region),
        }
        guards.append({"bedrockGuardrails": bedrock, "rejection": _rejection(policy.name)})
    return guards


def _detector_rule(detector: str) -> JsonDict:
    builtin = _BUILTIN_DETECTORS.get(detector)
    if builtin is not None:
        return {"builtin": builtin}
    return {"pattern": _DETECTOR_PATTERNS[detector]}


def _rejection(policy: str) -> JsonDict:
    error = {
        "message": f"Blocked by scanner policy {policy}.",
        "type": "invalid_request_error",
        "code": "content_policy_violation",
    }
    return {
        "status": 403,
        "headers": {"set": {"content-type": "application/json"}},
        "body": _compact_json({"error": error}),
    }


# Budget check, gateway, access log, catalog ------------------------------------------------------


_BUDGET_CHECK_BACKEND = "budget-check"


def _budget_check_guard(settings: RenderSettings) -> JsonDict:
    url = urlsplit(settings.budget_check_url)
    path = url.path or "/"
    if url.query:
        path += "?" + url.query
    headers = {
        ":path": _cel_string(path),
        **WEBHOOK_ADDED_HEADERS,
        **WEBHOOK_RESTORED_HEADERS,
    }
    forwarded = [{"name": name, "value": {"regex": ".+"}} for name in WEBHOOK_FORWARDED_HEADERS]
    # agentgateway keys a top-level named backend as `/<name>` (v1.4.1 local config loading), so
    # a reference without the slash fails with ServiceNotFound: budgets would go unenforced.
    target = (
        {"backend": f"/{_BUDGET_CHECK_BACKEND}"}
        if url.scheme == "https"
        else {"host": _host_port(url)}
    )
    webhook = {
        "target": target,
        "headers": headers,
        "forwardHeaderMatches": forwarded,
        "failureMode": _FAIL_MODES[settings.budget_check_fail_mode],
    }
    return {"webhook": webhook}


def _budget_check_backends(settings: RenderSettings) -> JsonDict:
    """An https budget check needs a named backend: only a named backend can carry TLS."""
    url = urlsplit(settings.budget_check_url)
    if url.scheme != "https":
        return {}
    backend = {
        "name": _BUDGET_CHECK_BACKEND,
        "host": _host_port(url),
        "policies": {"backendTLS": {}},
    }
    return {"backends": [backend]}


def _host_port(url: SplitResult) -> str:
    hostname = url.hostname or ""
    host = hostname if ":" not in hostname else f"[{hostname}]"
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{host}:{port}"


def _gateway(profiles: Sequence[_ScanProfile], settings: RenderSettings) -> JsonDict:
    jwt = {"mode": "strict", "issuer": settings.issuer, "jwks": {"url": settings.jwks_url}}
    headers = {ROUTED_MODEL_HEADER: REQUESTED_MODEL_CEL}
    scoped = [p for p in profiles if p.clients]
    if scoped:
        headers[SCAN_PROFILE_HEADER] = _scan_profile_cel(scoped)
    # Gateway policies run before route selection, jwtAuth before the transformation: the headers
    # exist when routes are matched, and `jwt.client_id` exists when they are computed.
    return {
        "port": settings.listen_port,
        "jwtAuth": jwt,
        "transformations": {"request": {"set": headers}},
    }


def _scan_profile_cel(profiles: Sequence[_ScanProfile]) -> str:
    # `set` overwrites whatever the client sent; `has()` keeps the expression from failing (a
    # failed expression would leave the client's own value in place).
    cases = [
        f"has(jwt.client_id) && jwt.client_id in {_cel_list(p.clients)} ? {_cel_string(p.name)}"
        for p in profiles
    ]
    return " : ".join([*cases, '""'])


def _model_list_route(rules: Sequence[RoutingRule]) -> JsonDict:
    """`/v1/models` lists the exact names; glob rules serve names no list could enumerate."""
    names = sorted(r.model for r in rules if "*" not in r.model and "?" not in r.model)
    data = [{"id": n, "object": "model", "created": 0, "owned_by": "gateway"} for n in names]
    response = {
        "status": 200,
        "headers": _json_content_type(),
        "body": _compact_json({"object": "list", "data": data}),
    }
    return {
        "name": "model-list",
        "matches": [{"path": {"exact": MODELS_PATH}}, {"path": {"exact": MODELS_PATH + "/"}}],
        "policies": {"directResponse": response},
    }


def _top_config(prices: Sequence[Price], settings: RenderSettings) -> JsonDict:
    config: JsonDict = {"logging": {"format": settings.log_format}}
    if settings.include_cost_catalog and prices:
        config["modelCatalog"] = [{"inline": {"providers": _catalog_providers(prices)}}]
    return config


def _catalog_providers(prices: Sequence[Price]) -> JsonDict:
    # An override wins over a default listed for the same model.
    chosen: dict[tuple[str, str], Price] = {}
    for price in sorted(prices, key=lambda p: (p.provider, p.model, p.source == "override")):
        chosen[(price.provider, price.model)] = price
    providers: JsonDict = {}
    for (provider, model), price in sorted(chosen.items()):
        key = PROVIDER_LOG_NAMES.get(provider, provider)
        providers.setdefault(key, {"models": {}})["models"][model] = _catalog_model(price)
    return providers


def _catalog_model(price: Price) -> JsonDict:
    entry: JsonDict = {"rates": _rates(price)}
    tier = price.long_context
    if tier is not None:
        entry["tiers"] = [{"contextOver": tier.above_tokens, "rates": _rates(tier)}]
    return entry


def _rates(price: Price | LongContextPrice) -> JsonDict:
    """Money stays a decimal string (the schema's `Money`), never a float."""
    fields = {
        "input": price.input,
        "output": price.output,
        "cacheRead": price.cache_read,
        "cacheWrite": price.cache_write,
    }
    return {name: normalise_usd(value) for name, value in fields.items() if value is not None}


# Header, notes, small helpers --------------------------------------------------------------------


def _notes(
    rules: Sequence[RoutingRule],
    policies: Sequence[ScannerPolicy],
    profiles: Sequence[_ScanProfile],
    settings: RenderSettings,
) -> list[str]:
    notes: list[str] = []
    applied = {policy.name for profile in profiles for policy in profile.policies}
    for policy in policies:
        notes.extend(_policy_notes(policy, applied))
    if any(p.name in applied and p.phase != "response" and _policy_guards(p) for p in policies):
        # v1.4.1 proxy/httpproxy.rs: "count_tokens skips policies" (no guard, no budget check).
        notes.append(
            f"scanner policies do not apply to {COUNT_TOKENS_PATH}: agentgateway runs no guard"
            " on token counting, so its prompt reaches the token counter of Anthropic, Bedrock"
            " and Vertex Claude targets unscanned"
        )
    if settings.default_model is not None and all(r.model != settings.default_model for r in rules):
        notes.append(
            f"default_model {settings.default_model} names no enabled rule:"
            " unknown models get 404 model_not_found"
        )
    return notes


def _policy_notes(policy: ScannerPolicy, applied: set[str]) -> Iterable[str]:
    at = f"scanner policy {policy.name}"
    detectors = sorted(d.detector for d in policy.detectors if d.action == "detect")
    customs = sorted(r.name for r in policy.custom_rules if r.action == "detect")
    detect_only = [*(f"detector {d}" for d in detectors), *(f"custom rule {c}" for c in customs)]
    if detect_only:
        listed = ", ".join(detect_only)
        yield f"{at}: {listed} not enforced: detect-only (regex guards only mask or reject)"
    if policy.bedrock_guardrail is not None and policy.bedrock_guardrail.mode == "detect":
        yield f"{at}: Bedrock Guardrail in detect mode not enforced (agentgateway's guard blocks)"
    if policy.name not in applied:
        yield f"{at}: applies to no one (none of its teams has a client)"


def _header(changed_at: datetime | None, notes: Sequence[str]) -> str:
    # No `$` may appear here either: agentgateway shell-expands comments too.
    when = isoformat(_as_utc(changed_at)) if changed_at is not None else "unknown"
    lines = [
        f"agentgateway config (schema of release {AGENTGATEWAY_RELEASE}), rendered by",
        "controlplane.domain.agentgateway from routing rules, scanner policies and prices.",
        "Do not edit: the control plane replaces this file whenever they change.",
        f"Inputs last changed: {when}.",
        *(f"Note: {note}" for note in notes),
    ]
    return "".join(f"# {line}\n" for line in lines)


def _as_utc(moment: datetime) -> datetime:
    # A naive time would be read in the machine's zone; the header must not depend on the host.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _json_content_type() -> JsonDict:
    return {"content-type": _cel_string("application/json")}


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _cel_string(value: str) -> str:
    """A CEL string literal (JSON escapes are CEL escapes); `$` escaped for shell expansion."""
    return json.dumps(value).replace("$", "\\u0024")


def _cel_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_cel_string(v) for v in values) + "]"


# YAML text ---------------------------------------------------------------------------------------
#
# agentgateway reads the file in two passes (v1.4.1): `shellexpand::full` over the text
# (`crates/agentgateway/src/config.rs` `parse_config`), then serde_yaml 0.9 transcoded to JSON
# (`crates/core/src/serdes.rs` `yamlviajson`), which resolves every plain scalar YAML 1.2 style
# (`de.rs` `visit_untagged_scalar`: `1e3`, `0o17`, `0x1F`, `+12`, `.inf` are numbers; `012` and
# `1_000` are not, but are to YAML 1.1) and refuses the whole file for a number or a null where a
# string belongs. So a string is written plain only when YAML 1.1 (PyYAML), YAML 1.2 (core schema,
# and ruamel's reading of it) and serde_yaml all read that plain text back as the same string;
# otherwise it is quoted. Besides:
# - a `${NAME}` reference (`_env`) is single-quoted: whatever the shell expansion puts there, an
#   all-digit resource name say, stays a string (a value must hold no `'` and no line break);
# - a string with any other `$` that shellexpand would read (`rust_regex.expands_after`) is
#   double-quoted with every `$` written `\x24`, which shellexpand leaves alone and YAML reads as
#   `$`: nothing of ours is ever expanded (an unset variable would refuse the file);
# - a string with a line break is double-quoted (`\n`), so that every scalar is one line.
# The text is byte for byte `yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=_NO_FOLD)`
# (tests hold this for every golden and property case, and read every render back with serde_yaml
# itself, YAML 1.2 and YAML 1.1 readers after a shell expansion).

_NO_FOLD = 1 << 30
"""A line width no scalar reaches: PyYAML never folds a line, so every scalar is one line."""

_PLAIN = re.compile(r"[A-Za-z0-9_/][A-Za-z0-9_./@-]*(?::[A-Za-z0-9_./@-]+)*")
"""Strings PyYAML writes unquoted unless they would read back as another type (checked too)."""
_STR_TAG = "tag:yaml.org,2002:str"
_ENV_TAG = "tag:llm-gateway,2026:env"
"""Not a YAML type: what `${NAME}` resolves to here, so that PyYAML quotes it."""
_ENV_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}\Z")
_LINE_BREAKS = frozenset("\n\x85\u2028\u2029")
"""What PyYAML writes a single-quoted scalar over several lines for."""


class _Resolver(yaml.resolver.Resolver):
    """PyYAML's YAML 1.1 resolver, and what YAML 1.2 and serde_yaml 0.9 read as not a string."""


for _tag, _pattern, _first in (
    # YAML 1.2 core ints (ruamel reads `0o?` and `_` too); serde_yaml's `[-+]?0x`, `0o`, `0b`.
    (
        "tag:yaml.org,2002:int",
        r"[-+]?(?:0b[01_]+|0o?[0-7_]+|[0-9_]+|0x[0-9a-fA-F_]+)\Z",
        "-+0123456789",
    ),
    # YAML 1.2 core floats; serde_yaml's are Rust's `f64::from_str` (finite): `1.`, `.5`, `1e3`.
    (
        "tag:yaml.org,2002:float",
        r"[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?\Z"
        r"|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)\Z",
        "-+.0123456789",
    ),
    (_ENV_TAG, _ENV_REFERENCE.pattern, "$"),
):
    _Resolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper with the scalar rules above."""

    yaml_implicit_resolvers = _Resolver.yaml_implicit_resolvers

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        # PyYAML escapes only unprintable characters; `$` is escaped here, in the written text
        # (`$` is never part of one of PyYAML's escapes, so replacing it there is exact).
        stream = self.stream
        self.stream = buffer = io.StringIO()
        try:
            super().write_double_quoted(text, split)
        finally:
            self.stream = stream
        stream.write(buffer.getvalue().replace("$", "\\x24"))


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    double = not _LINE_BREAKS.isdisjoint(text) or _shell_reads(text)
    return dumper.represent_scalar(_STR_TAG, text, style='"' if double else None)


_Dumper.add_representer(str, _represent_str)
_RESOLVER = _Resolver()


def _shell_reads(text: str) -> bool:
    """Whether shellexpand would replace part of `text` (not a `${NAME}` reference of ours)."""
    if "$" not in text or _ENV_REFERENCE.match(text):
        return False
    return any(char == "$" and expands_after(text, index) for index, char in enumerate(text))


class _NotBlockSimple(Exception):
    """The document has a shape `_block_yaml` does not write; `yaml.dump` will."""


def _dump_yaml(document: JsonDict) -> str:
    try:
        return _block_yaml(document)
    except _NotBlockSimple:
        return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=_NO_FOLD)


def _block_yaml(document: JsonDict) -> str:
    """PyYAML's block style for mappings, lists and one-line scalars, written directly."""
    out: list[str] = []
    _write_mapping(document, "", "", out)
    return "".join(out)


def _write_mapping(mapping: JsonDict, first: str, indent: str, out: list[str]) -> None:
    """`first` prefixes the first key (a list item's `- `), `indent` every other one."""
    prefix = first
    for key, value in mapping.items():
        if (
            not isinstance(key, str)
            or not key
            or len(key) >= 128
            or not _LINE_BREAKS.isdisjoint(key)
        ):
            raise _NotBlockSimple  # PyYAML writes these as explicit keys (`? key`)
        head = f"{prefix}{_scalar(key)}:"
        prefix = indent
        if isinstance(value, dict) and value:
            out.append(head + "\n")
            _write_mapping(value, indent + "  ", indent + "  ", out)
        elif isinstance(value, list) and value:
            out.append(head + "\n")
            _write_sequence(value, indent, out)  # PyYAML does not indent lists under a key
        else:
            out.append(f"{head} {_leaf(value)}\n")


def _write_sequence(items: list[Any], indent: str, out: list[str]) -> None:
    for item in items:
        if isinstance(item, dict) and item:
            _write_mapping(item, indent + "- ", indent + "  ", out)
        elif isinstance(item, list) and item:
            raise _NotBlockSimple
        else:
            out.append(f"{indent}- {_leaf(item)}\n")


def _leaf(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _scalar(value)
    if value == {} or value == []:
        return "{}" if isinstance(value, dict) else "[]"
    raise _NotBlockSimple


def _reads_back_as_string(text: str) -> bool:
    """Whether `text` unquoted is that string to YAML 1.1, YAML 1.2 and serde_yaml (not `true`,
    `12`, `1e3`, `0o17`, `2026-01-01`, `null`...)."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR_TAG


_LONG = 256
_FLOW_START = frozenset("#,[]{}&*!|>'\"%@`")


def _single_quoted_by_pyyaml(text: str) -> bool:
    """Whether PyYAML surely writes `text` single-quoted on one line: it starts with an indicator
    (never plain) and is printable ASCII (nothing escaped, no line break), with no `$` for the
    shell. Such text is written directly: PyYAML's analysis of the `/v1/models` body (a JSON
    string growing with the rules) took ~60 ms per change at 1,000 rules."""
    return (
        text[0] in _FLOW_START and text.isascii() and text.isprintable() and not _shell_reads(text)
    )


def _scalar(text: str) -> str:
    """`text` as `_Dumper` writes it in block context, provided that is one line."""
    if len(text) >= _LONG and _single_quoted_by_pyyaml(text):
        # Not cached: such strings (the `/v1/models` body) change with every rule change.
        return "'" + text.replace("'", "''") + "'"
    return _short_scalar(text)


@lru_cache(maxsize=1 << 16)
def _short_scalar(text: str) -> str:
    if _PLAIN.fullmatch(text) and _reads_back_as_string(text):
        return text
    dumped = yaml.dump([text], Dumper=_Dumper, width=_NO_FOLD)
    if dumped.count("\n") != 1:
        raise _NotBlockSimple
    return dumped[2:-1]

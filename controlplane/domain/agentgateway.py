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
  formats parse, and `promptGuard` with the budget-check webhook and the profile's guards. It
  delegates to the route group `models`. `/v1/models` is answered from the rule list.
- `routeGroups[models]`: one route per enabled rule, matched on the model header (exact name, or
  the glob as an anchored regex), with the rule's retry policy and targets. Child routes inherit
  the parent's policies, so the guards are written once per profile, not once per rule. A last
  route answers a model no rule names with 404 `model_not_found` (or serves `default_model`).
- `frontendPolicies.accessLog.add`: the fields usage ingestion reads; `config.logging.format`.
- `config.modelCatalog`: our effective prices as agentgateway's cost catalog (optional).

Route precedence: agentgateway orders routes by path, then number of header matches, then route
key. Every child uses the same path match, so a child with a model header beats the catch-all, and
among rules the zero-padded index at the start of the route name decides: exact names first, then
globs by decreasing number of literal characters (the more specific glob wins).

What agentgateway cannot express, and how it is handled
-------------------------------------------------------
- `detect` (record only) has no regex-guard equivalent (agentgateway's regex guards only mask or
  reject), nor has Bedrock Guardrails' `detect` mode (its guard blocks): both are left out of the
  config and listed in the header comment and in `RenderedConfig.notes`.
- agentgateway has no condition on a guard, so team scoping is done by route selection (above).
- Built-in detectors without an agentgateway builtin (IP address, AWS keys, private key, JWT, IBAN,
  credentials in URLs) are our own regexes (Rust `regex` syntax, no look-around).
- The whole file is shell-expanded when agentgateway loads it: secrets are `${VAR}` references only,
  and a custom regex whose `$` would be read as a variable is rewritten to the equivalent `\\x24`
  (a literal dollar) or `(?:$)` (an end anchor).
- `jwtAuth` removes `Authorization` once it has validated the token, so forwarding the header to
  the budget check alone would deliver nothing: the webhook also re-adds the validated token from
  CEL (`WEBHOOK_RESTORED_HEADERS`).
- agentgateway replays a request for a retry only if its body fits its 64 KiB replay buffer; a
  larger prompt that trips an eviction fails, and the next request goes to the next group.
- Which clients a team-scoped policy covers is written into the config (the client ids of its
  teams), so registering or removing a client must re-render the config.

The YAML text is byte for byte `yaml.safe_dump(document, sort_keys=False, width=_NO_FOLD)` (tests
hold this for every golden and property case). It is produced by `_block_yaml`, which writes the
same block style directly, because PyYAML's representer alone costs about 0.6 s per 1,000 rules;
documents it does not cover (multi-line strings, very long keys) go through `yaml.safe_dump`.

ETag: the strong HTTP ETag `"<hex SHA-256 of the UTF-8 text>"`, header comment included.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

import yaml

from controlplane.clock import isoformat
from controlplane.domain.routing import DEFAULT_RETRY_STATUSES
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
MODELS_PATH = "/v1/models"
LLM_PATHS = "/v1/(?:chat/completions|messages)"
"""The one path match of every child route: equal paths leave precedence to the header count."""

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
"""Our own patterns (Rust `regex` and Python `re` alike) for the other detectors."""

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DURATION = re.compile(r"[1-9][0-9]*(?:ms|s|m|h)")
_SHELL_VARIABLE_START = re.compile(r"[A-Za-z0-9_{]")
"""What may follow `$` for agentgateway's shell expansion to read a variable."""


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


@dataclass(frozen=True)
class RenderedConfig:
    """A rendered config: the document, its YAML text and the text's strong ETag."""

    document: JsonDict
    text: str
    etag: str
    """`"<hex SHA-256 of text>"`, quoted as an HTTP strong ETag."""
    notes: tuple[str, ...] = ()
    """What the inputs ask for that the config does not enforce (also in the header comment)."""

    @property
    def sha256(self) -> str:
        return self.etag.strip('"')


def render_config(inputs: RenderInputs, settings: RenderSettings) -> RenderedConfig:
    """The complete agentgateway config for `inputs`; deterministic, whatever the input order."""
    rules = sorted((r for r in inputs.rules if r.enabled), key=_precedence)
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
        "routeGroups": [{"name": MODELS_GROUP, "routes": _model_routes(rules, settings)}],
    }
    text = _header(inputs.inputs_changed_at, notes) + _dump_yaml(document)
    etag = '"' + hashlib.sha256(text.encode()).hexdigest() + '"'
    return RenderedConfig(document=document, text=text, etag=etag, notes=tuple(notes))


# Rules -> child routes ---------------------------------------------------------------------------


def _precedence(rule: RoutingRule) -> tuple[bool, int, int, str, str]:
    """Exact names first, then the glob with more literal characters, then fewer `*`."""
    wildcards = rule.model.count("*") + rule.model.count("?")
    literal = len(rule.model) - wildcards
    return (wildcards > 0, -literal, rule.model.count("*"), rule.model, rule.rule_id)


def _model_routes(rules: Sequence[RoutingRule], settings: RenderSettings) -> list[JsonDict]:
    width = max(5, len(str(len(rules))))
    routes = [
        _rule_route(
            f"{index:0{width}d}-{_slug(rule.model)}", rule, _model_match(rule.model), settings
        )
        for index, rule in enumerate(rules, start=1)
    ]
    return [*routes, _fallback_route(rules, settings)]


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


def _slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", model)


def _retry(rule: RoutingRule) -> JsonDict:
    statuses = rule.retry.on_status
    codes = DEFAULT_RETRY_STATUSES if statuses is None else statuses
    # `attempts` counts the first one too; the rule counts retries after it.
    return {"attempts": rule.retry.attempts + 1, "codes": sorted(set(codes))}


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
        f"request.path == {_cel_string(MESSAGES_PATH)}"
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
                "routes": {CHAT_PATH: "completions", MESSAGES_PATH: "messages"},
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
        bedrock = {
            "guardrailIdentifier": guardrail.identifier,
            "guardrailVersion": guardrail.version,
            "region": guardrail.region,
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


def shell_safe_regex(pattern: str) -> str:
    """`pattern`, with every `$` that shell expansion would read as a variable made harmless.

    A literal dollar (`\\$`, or `$` in a class) becomes `\\x24`; an end anchor followed by a name
    character or `{` becomes `(?:$)`. Anything else is returned unchanged. Classes are read as
    Python's `re` reads them, the engine the API validates patterns with.
    """
    out: list[str] = []
    in_class = False
    first_member = -1
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            out.append(r"\x24" if escaped == "$" else char + escaped)
            index += 2
            continue
        if char == "$" and _SHELL_VARIABLE_START.match(pattern, index + 1):
            out.append(r"\x24" if in_class else "(?:$)")
        else:
            out.append(char)
        if not in_class and char == "[":
            in_class = True
            first_member = index + (2 if pattern[index + 1 : index + 2] == "^" else 1)
        elif in_class and char == "]" and index != first_member:
            # A `]` first in the class is a member, not its end.
            in_class = False
        index += 1
    return "".join(out)


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
        "matches": [{"path": {"exact": MODELS_PATH}}],
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

_NO_FOLD = 1 << 30
"""A line width no scalar reaches: PyYAML never folds a line, so every scalar is one line."""

_PLAIN = re.compile(r"[A-Za-z0-9_/][A-Za-z0-9_./@-]*(?::[A-Za-z0-9_./@-]+)*")
"""Strings PyYAML writes unquoted unless they would read back as another type (checked too)."""
_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()


class _NotBlockSimple(Exception):
    """The document has a shape `_block_yaml` does not write; `yaml.safe_dump` will."""


def _dump_yaml(document: JsonDict) -> str:
    try:
        return _block_yaml(document)
    except _NotBlockSimple:
        return yaml.safe_dump(document, sort_keys=False, width=_NO_FOLD)


def _block_yaml(document: JsonDict) -> str:
    """PyYAML's block style for mappings, lists and one-line scalars, written directly."""
    out: list[str] = []
    _write_mapping(document, "", "", out)
    return "".join(out)


def _write_mapping(mapping: JsonDict, first: str, indent: str, out: list[str]) -> None:
    """`first` prefixes the first key (a list item's `- `), `indent` every other one."""
    prefix = first
    for key, value in mapping.items():
        if not isinstance(key, str) or not key or len(key) >= 128:
            raise _NotBlockSimple
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
    """Whether `text` unquoted is a string to YAML (not `true`, `12`, `2026-01-01`, `null`...)."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR_TAG


@lru_cache(maxsize=1 << 16)
def _scalar(text: str) -> str:
    """`text` as PyYAML writes it in block context, provided that is one line."""
    if _PLAIN.fullmatch(text) and _reads_back_as_string(text):
        return text
    dumped = yaml.safe_dump([text], width=_NO_FOLD)
    if dumped.count("\n") != 1:
        raise _NotBlockSimple
    return dumped[2:-1]

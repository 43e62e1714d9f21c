"""What the rendered agentgateway config and our readers of its output agree on.

One home for the names both sides use: the config renderer writes these access-log fields and
webhook headers into agentgateway's config, usage ingestion reads the fields back from the access
log, and the budget check reads the headers. Change a name here and both sides follow.

Facts from agentgateway v1.4.1 (see ../shared/agentgateway/README.md): LLM access-log lines carry
the `gen_ai.*` fields below by default; further fields are added with
`frontendPolicies.accessLog.add: {field: CEL}`. Webhook headers are CEL expressions evaluated
against the client's original request (`request.*`, `jwt.*`).
"""

from __future__ import annotations

from types import MappingProxyType

# Access log -------------------------------------------------------------------------------------

LOG_SCOPE = "scope"
"""`request` on the one line agentgateway writes per request."""
LOG_TIME = "time"
LOG_TIME_FALLBACK = "timestamp"
LOG_STATUS = "http.status"
LOG_PATH = "http.path"

LOG_PROVIDER = "gen_ai.provider.name"
LOG_REQUEST_MODEL = "gen_ai.request.model"
LOG_RESPONSE_MODEL = "gen_ai.response.model"
LOG_INPUT_TOKENS = "gen_ai.usage.input_tokens"
LOG_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"

# Fields the rendered config adds (field name -> CEL expression agentgateway evaluates).
LOG_CLIENT_ID = "gateway.client_id"
LOG_CACHE_READ_TOKENS = "gen_ai.usage.cache_read_input_tokens"
LOG_CACHE_WRITE_TOKENS = "gen_ai.usage.cache_creation_input_tokens"
LOG_REASONING_TOKENS = "gen_ai.usage.reasoning_tokens"
LOG_STREAMING = "gen_ai.request.streaming"

ACCESS_LOG_ADDED_FIELDS = MappingProxyType(
    {
        LOG_CLIENT_ID: "jwt.client_id",
        LOG_CACHE_READ_TOKENS: "llm.cachedInputTokens",
        LOG_CACHE_WRITE_TOKENS: "llm.cacheCreationInputTokens",
        LOG_REASONING_TOKENS: "llm.reasoningTokens",
        LOG_STREAMING: "llm.streaming",
    }
)
"""Fields the rendered config adds to every access-log line, with the CEL that computes them."""

# Budget-check webhook --------------------------------------------------------------------------

BUDGET_CHECK_PATH = "/hooks/budget-check"
"""Path of the budget check on the local server; the rendered config sets it as `:path`."""

HEADER_CLIENT_ID = "x-gateway-client-id"
HEADER_MODEL = "x-gateway-model"
HEADER_AUTHORIZATION = "authorization"

WEBHOOK_ADDED_HEADERS = MappingProxyType(
    {
        HEADER_CLIENT_ID: "jwt.client_id",
        HEADER_MODEL: 'default(json(request.body).model, "")',
    }
)
"""Headers the rendered config adds to each budget-check call (header -> CEL)."""

WEBHOOK_FORWARDED_HEADERS = (HEADER_AUTHORIZATION,)
"""Client request headers agentgateway forwards to the budget check (the bearer token, which the
budget check verifies itself rather than trusting the client-id header)."""

WEBHOOK_RESTORED_HEADERS = MappingProxyType(
    {HEADER_AUTHORIZATION: '"Bearer " + jwt.rawToken.unredacted()'}
)
"""Headers the rendered config puts back on each budget-check call (header -> CEL).

agentgateway's `jwtAuth` removes `Authorization` from the request once it has validated the token,
so forwarding it (`WEBHOOK_FORWARDED_HEADERS`) alone delivers nothing behind `jwtAuth`; the
validated token is re-added from the CEL context (`jwt.rawToken`, redacted unless `.unredacted()`).
"""

# Provider names ---------------------------------------------------------------------------------

PROVIDER_LOG_NAMES = MappingProxyType(
    {
        "anthropic": "anthropic",
        "azure": "azure",
        "bedrock": "aws.bedrock",
        "gemini": "gcp.gemini",
        "openai": "openai",
        "vertex": "gcp.vertex_ai",
    }
)
"""Our provider name -> agentgateway v1.4.1's (`LOG_PROVIDER` in the access log, and the provider
key of its model cost catalog)."""

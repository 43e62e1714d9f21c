"""Settings, read once from the environment (with defaults that work locally) and passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from controlplane.gateway_protocol import BUDGET_CHECK_PATH

ADMIN_SCOPE = "https://gateway.internal/admin"
INVOKE_SCOPE = "https://gateway.internal/invoke"
RESOURCE_SERVER = "https://gateway.internal"

StoreKind = Literal["sqlite", "dynamodb"]
IdentityKind = Literal["local", "cognito"]
FailMode = Literal["open", "closed"]


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Build with `Settings.from_env()`; override with `with_()`."""

    data_dir: Path = Path(".gateway")
    store: StoreKind = "sqlite"
    identity: IdentityKind = "local"
    # DynamoDB
    table_name: str = "gateway-control-plane"
    table_prefix: str = ""
    dynamodb_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    create_table: bool = False
    # Identity
    issuer: str = "http://127.0.0.1:8080"
    token_endpoint: str = "http://127.0.0.1:8080/oauth2/token"  # noqa: S105 - a URL
    token_ttl_seconds: int = 3600
    cognito_user_pool_id: str | None = None
    kms_key_id: str | None = None
    """The KMS key that seals secrets the store keeps (replayed answers); unset, a key in the data
    dir does (local)."""
    # HTTP
    max_body_bytes: int = 64 * 1024
    idempotency_ttl_seconds: int = 24 * 3600
    # Usage and budgets
    fallback_price: str | None = None
    """`input:output` USD per 1M tokens for models without a price (e.g. `3:15`); unset, such
    requests are counted as unpriced and cost nothing."""
    alert_sns_topic_arn: str | None = None
    alert_webhook_url: str | None = None
    budget_check_cache_ttl_seconds: float = 5.0
    budget_check_fail_mode: FailMode = "open"
    # agentgateway config
    agentgateway_config_path: Path | None = None
    """Where the rendered config is published locally (default `<data-dir>/agentgateway.yaml`)."""
    config_s3_bucket: str | None = None
    config_s3_key: str = "agentgateway/config.yaml"
    agentgateway_port: int = 4000
    budget_check_url: str | None = None
    """The budget check as agentgateway reaches it (default: `<issuer>/hooks/budget-check`)."""
    jwks_url: str | None = None
    """The JWKS agentgateway checks tokens with (default: `<issuer>/.well-known/jwks.json`)."""
    cost_catalog: bool = True
    # Metrics (controlplane/metrics.py)
    metrics_namespace: str = "LLMGateway/ControlPlane"
    """The CloudWatch namespace of the Lambdas' embedded-metric-format lines."""
    metrics_service: str = "control-plane"
    """Their `service` dimension: a deployment's name keeps two in one account apart."""

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "control-plane.sqlite3"

    @property
    def config_path(self) -> Path:
        return self.agentgateway_config_path or self.data_dir / "agentgateway.yaml"

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "ingest-checkpoints.json"

    @property
    def effective_budget_check_url(self) -> str:
        return self.budget_check_url or f"{self.issuer.rstrip('/')}{BUDGET_CHECK_PATH}"

    @property
    def effective_jwks_url(self) -> str:
        return self.jwks_url or f"{self.issuer.rstrip('/')}/.well-known/jwks.json"

    @property
    def full_table_name(self) -> str:
        return f"{self.table_prefix}{self.table_name}"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from `GATEWAY_*` variables (and `AWS_REGION`)."""
        env = os.environ if env is None else env
        defaults = cls()

        def get(name: str, default: str) -> str:
            return env.get(f"GATEWAY_{name}", default)

        store = get("STORE", defaults.store)
        identity = get("IDENTITY", defaults.identity)
        if store not in ("sqlite", "dynamodb"):
            raise ValueError(f"GATEWAY_STORE must be sqlite or dynamodb, not {store!r}")
        if identity not in ("local", "cognito"):
            raise ValueError(f"GATEWAY_IDENTITY must be local or cognito, not {identity!r}")
        fail_mode = get("BUDGET_CHECK_FAIL_MODE", defaults.budget_check_fail_mode)
        if fail_mode not in ("open", "closed"):
            raise ValueError(
                f"GATEWAY_BUDGET_CHECK_FAIL_MODE must be open or closed, not {fail_mode!r}"
            )
        config_path = env.get("GATEWAY_AGENTGATEWAY_CONFIG_PATH")
        return cls(
            data_dir=Path(get("DATA_DIR", str(defaults.data_dir))),
            store=store,  # type: ignore[arg-type]
            identity=identity,  # type: ignore[arg-type]
            table_name=get("TABLE_NAME", defaults.table_name),
            table_prefix=get("TABLE_PREFIX", defaults.table_prefix),
            dynamodb_endpoint_url=env.get("GATEWAY_DYNAMODB_ENDPOINT_URL") or None,
            aws_region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", defaults.aws_region)),
            create_table=get("CREATE_TABLE", "false").lower() in ("1", "true", "yes"),
            issuer=get("ISSUER", defaults.issuer),
            token_endpoint=get("TOKEN_ENDPOINT", defaults.token_endpoint),
            token_ttl_seconds=int(get("TOKEN_TTL_SECONDS", str(defaults.token_ttl_seconds))),
            cognito_user_pool_id=env.get("GATEWAY_COGNITO_USER_POOL_ID") or None,
            kms_key_id=env.get("GATEWAY_KMS_KEY_ID") or None,
            max_body_bytes=int(get("MAX_BODY_BYTES", str(defaults.max_body_bytes))),
            fallback_price=env.get("GATEWAY_FALLBACK_PRICE") or None,
            alert_sns_topic_arn=env.get("GATEWAY_ALERT_SNS_TOPIC_ARN") or None,
            alert_webhook_url=env.get("GATEWAY_ALERT_WEBHOOK_URL") or None,
            budget_check_cache_ttl_seconds=float(
                get("BUDGET_CHECK_CACHE_TTL_SECONDS", str(defaults.budget_check_cache_ttl_seconds))
            ),
            budget_check_fail_mode=fail_mode,  # type: ignore[arg-type]
            agentgateway_config_path=Path(config_path) if config_path else None,
            config_s3_bucket=env.get("GATEWAY_CONFIG_S3_BUCKET") or None,
            config_s3_key=get("CONFIG_S3_KEY", defaults.config_s3_key),
            agentgateway_port=int(get("AGENTGATEWAY_PORT", str(defaults.agentgateway_port))),
            budget_check_url=env.get("GATEWAY_BUDGET_CHECK_URL") or None,
            jwks_url=env.get("GATEWAY_JWKS_URL") or None,
            cost_catalog=get("COST_CATALOG", "true").lower() in ("1", "true", "yes"),
            metrics_namespace=get("METRICS_NAMESPACE", defaults.metrics_namespace),
            metrics_service=get("METRICS_SERVICE", defaults.metrics_service),
        )

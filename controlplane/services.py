"""The services an operation uses, built once per process from settings and injected."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from controlplane.alerts import AlertSink, build_alert_sink
from controlplane.clock import Clock, isoformat, system_clock
from controlplane.identity.port import IdentityProvider
from controlplane.sealing import Sealer
from controlplane.settings import Settings
from controlplane.store.port import Store
from controlplane.store.repositories import AuditLog, Collection, IdempotencyKeys, UniqueIndex
from controlplane.store.usage import UsageLedger
from controlplane.team_clients import TeamClients
from generated.models import Budget, Price, RoutingRule, ScannerPolicy, Team


@dataclass
class Services:
    settings: Settings
    store: Store
    identity: IdentityProvider
    clock: Clock
    alert_sink: AlertSink = field(default=None)  # type: ignore[assignment]
    """Where budget alerts go; built from settings when not given."""
    sealer: Sealer = field(default=None)  # type: ignore[assignment]
    """What seals the secrets the store keeps; built from settings (on first use) when not given."""

    def __post_init__(self) -> None:
        if self.alert_sink is None:
            self.alert_sink = build_alert_sink(self.settings)
        store = self.store
        self.teams = Collection(store, "TEAM", Team, "team")
        self.team_names = UniqueIndex(store, "TEAM_NAME")
        self.client_teams = UniqueIndex(store, "CLIENT")
        self.retired_clients = UniqueIndex(store, "CLIENT_RETIRED")
        self.budgets = Collection(store, "BUDGET", Budget, "budget")
        self.team_budgets = UniqueIndex(store, "TEAM_BUDGET")
        self.price_overrides = Collection(store, "PRICE", Price, "price override")
        self.routes = Collection(store, "ROUTE", RoutingRule, "routing rule")
        self.route_models = UniqueIndex(store, "ROUTE_MODEL")
        self.policies = Collection(store, "POLICY", ScannerPolicy, "scanner policy")
        self.policy_names = UniqueIndex(store, "POLICY_NAME")
        self.audit = AuditLog(store, lambda: isoformat(self.clock()))
        self.idempotency = IdempotencyKeys(
            store, self.settings.idempotency_ttl_seconds, lambda: self.sealing
        )
        self.ledger = UsageLedger(store)
        self.team_clients = TeamClients(store, self.identity, self.client_teams, self.clock)

    def now(self) -> datetime:
        return self.clock()

    @property
    def sealing(self) -> Sealer:
        # Built on first use: most requests seal nothing, and KMS costs a client (cold start).
        if self.sealer is None:
            self.sealer = build_sealer(self.settings)
        return self.sealer


def build_sealer(settings: Settings) -> Sealer:
    if settings.kms_key_id:
        import boto3

        from controlplane.sealing import KmsSealer

        return KmsSealer(boto3.client("kms", region_name=settings.aws_region), settings.kms_key_id)
    from controlplane.files import private_dir
    from controlplane.sealing import DataDirSealer

    private_dir(settings.data_dir)
    return DataDirSealer.from_data_dir(settings.data_dir)


def build_store(settings: Settings) -> Store:
    if settings.store == "dynamodb":
        from controlplane.store.dynamodb import DynamoDbStore, create_table

        store = DynamoDbStore(
            settings.full_table_name,
            endpoint_url=settings.dynamodb_endpoint_url,
            region=settings.aws_region,
        )
        if settings.create_table:
            create_table(store.client, settings.full_table_name)
        return store
    from controlplane.files import private_dir
    from controlplane.store.sqlite import SqliteStore

    private_dir(settings.data_dir)
    return SqliteStore(settings.sqlite_path)


def build_identity(settings: Settings, store: Store, clock: Clock) -> IdentityProvider:
    if settings.identity == "cognito":
        from controlplane.identity.cognito import CognitoIdentityProvider

        if not settings.cognito_user_pool_id:
            raise ValueError(
                "GATEWAY_COGNITO_USER_POOL_ID is required with GATEWAY_IDENTITY=cognito"
            )
        return CognitoIdentityProvider(
            settings.cognito_user_pool_id, settings.token_endpoint, region=settings.aws_region
        )
    from controlplane.identity.local import LocalIdentityProvider

    return LocalIdentityProvider(store, settings.token_endpoint, clock)


def build_services(
    settings: Settings,
    *,
    store: Store | None = None,
    identity: IdentityProvider | None = None,
    clock: Clock = system_clock,
) -> Services:
    store = store or build_store(settings)
    return Services(
        settings=settings,
        store=store,
        identity=identity or build_identity(settings, store, clock),
        clock=clock,
    )

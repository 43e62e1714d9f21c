"""DynamoDB adapter of the store port: one table, string keys `pk` (hash) and `sk` (range).

Layout of an item:

- `data`: the JSON text of `Item.data` (S), encoded exactly as the SQLite adapter encodes it;
- `version` (N): 1 for a new item, +1 on each put; 0 for an item made by `Add` alone;
- `c_<name>` (N): the counters, incremented by `Add` (`ADD c_x :n`);
- `expires_at` (N, epoch seconds): the table's TTL attribute.

Every put is an `UpdateItem` (never a `PutItem`), so counters survive it. DynamoDB deletes expired
items lazily (up to days later), so reads filter them out and conditions treat them as absent.
A put or an add must not carry forward the version or counters of an expired item, which is gone:
when one meets an expired item, the adapter deletes it (doing TTL's work early; nobody can see
it anyway) and tries again, so the item starts afresh exactly as if TTL had already removed it.

Backend failures become `StoreUnavailable`; failed conditions become `ConditionFailed`. No
botocore exception leaves this module.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from controlplane.store.port import (
    Add,
    Check,
    Condition,
    ConditionFailed,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Number,
    Page,
    Put,
    StoreError,
    StoreUnavailable,
    VersionIs,
    Write,
    check_transaction,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        TransactWriteItemTypeDef,
    )

    _Raw = Mapping[str, AttributeValueTypeDef]

TABLE_DEFINITION_PATH = Path(__file__).with_name("dynamodb_table.json")
TABLE_DEFINITION: dict[str, Any] = json.loads(TABLE_DEFINITION_PATH.read_text())
"""The table's shape, shared with Terraform (`infra/modules/control_plane` reads the same file)."""
if (TABLE_DEFINITION["hash_key"], TABLE_DEFINITION["range_key"]) != ("pk", "sk"):
    raise ImportError(f"{TABLE_DEFINITION_PATH.name}: the adapter's expressions use pk/sk keys")
TTL_ATTRIBUTE: str = TABLE_DEFINITION["ttl_attribute"]
COUNTER_PREFIX = "c_"

_MAX_RETRIES = 8
"""Attempts a write gets after meeting an expired item that someone else keeps changing."""

_THROTTLING = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
_RETRYABLE_REASONS = frozenset({"ThrottlingError", "TransactionConflict", "None"})

_CLIENT_CONFIG = Config(
    connect_timeout=3,
    read_timeout=10,
    retries={"mode": "standard", "max_attempts": 3},
)


class DynamoDbStore:
    """The store on one DynamoDB table (see `create_table` for its shape)."""

    def __init__(
        self,
        table_name: str,
        *,
        client: DynamoDBClient | None = None,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.table_name = table_name
        self._owns_client = client is None
        if client is None:
            with _translated("cannot create the DynamoDB client"):
                client = boto3.client(
                    "dynamodb",
                    endpoint_url=endpoint_url,
                    region_name=region,
                    config=_CLIENT_CONFIG,
                )
        self._client: DynamoDBClient = client

    @property
    def client(self) -> DynamoDBClient:
        return self._client

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    # Reads --------------------------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> Item | None:
        raw = self._get_raw(pk, sk)
        if raw is None or _expired(raw, int(time.time())):
            return None
        return _item(raw)

    def query(
        self, pk: str, *, after: str | None = None, limit: int = 100, descending: bool = False
    ) -> Page:
        if limit < 0:
            raise ValueError("limit must not be negative")
        if not pk:
            raise ValueError("DynamoDB keys must be non-empty strings")
        if limit == 0:
            return Page(items=[], last_key=None)
        # One more than asked for tells whether more may follow (as the SQLite adapter does).
        wanted = limit + 1
        expr = _Expression()
        key_condition = f"{expr.name('pk')} = {expr.value(_s(pk))}"
        if after:
            operator = "<" if descending else ">"
            key_condition += f" AND {expr.name('sk')} {operator} {expr.value(_s(after))}"
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": key_condition,
            "FilterExpression": _not_expired(expr, int(time.time())),
            "ConsistentRead": True,
            "ScanIndexForward": not descending,
            **expr.params(),
        }
        collected: list[Item] = []
        start_key: _Raw | None = None
        while len(collected) < wanted:
            page_params = {**params, "Limit": wanted - len(collected)}
            if start_key is not None:
                page_params["ExclusiveStartKey"] = start_key
            with _translated("the store cannot be read"):
                response = self._client.query(**page_params)
            collected.extend(_item(raw) for raw in response.get("Items", []))
            start_key = response.get("LastEvaluatedKey")
            if not start_key:
                break
        items = collected[:limit]
        more = len(collected) > limit
        return Page(items=items, last_key=items[-1].sk if more and items else None)

    def _get_raw(self, pk: str, sk: str) -> _Raw | None:
        _check_key(pk, sk)
        with _translated("the store cannot be read"):
            response = self._client.get_item(
                TableName=self.table_name, Key=_key(pk, sk), ConsistentRead=True
            )
        return response.get("Item")

    # Writes -------------------------------------------------------------------------------------

    def write(self, op: Write) -> None:
        if isinstance(op, Check):
            self.transact([op])
            return
        _check_key(op.pk, op.sk)
        for _ in range(_MAX_RETRIES):
            try:
                self._write_once(op)
            except _ConditionalCheckFailed:
                if not self._retry_after_failure(op):
                    raise ConditionFailed(index=0, write=op) from None
            else:
                return
        raise StoreUnavailable(detail="the store is too contended to write; try again")

    def _write_once(self, op: Put | Delete | Add) -> None:
        now = int(time.time())
        with _translated("the store cannot be written"):
            if isinstance(op, Delete):
                self._client.delete_item(**self._delete_params(op, now))
            else:
                self._client.update_item(**self._update_params(op, now))

    def transact(self, ops: Sequence[Write]) -> None:
        check_transaction(ops)
        if not ops:
            return
        for op in ops:
            _check_key(op.pk, op.sk)
        for _ in range(len(ops) + _MAX_RETRIES):
            try:
                self._transact_once(ops)
            except _ConditionalCheckFailed as failed:
                index = failed.index
                if not self._retry_after_failure(ops[index]):
                    raise ConditionFailed(index=index, write=ops[index]) from None
            else:
                return
        raise StoreUnavailable(detail="the store is too contended to write; try again")

    def _transact_once(self, ops: Sequence[Write]) -> None:
        now = int(time.time())
        items = [self._transact_item(op, now) for op in ops]
        with _translated("the store cannot be written"):
            self._client.transact_write_items(TransactItems=items)

    def _transact_item(self, op: Write, now: int) -> TransactWriteItemTypeDef:
        item: dict[str, Any]
        if isinstance(op, Put | Add):
            item = {"Update": self._update_params(op, now)}
        elif isinstance(op, Delete):
            item = {"Delete": self._delete_params(op, now)}
        else:
            item = {"ConditionCheck": self._check_params(op, now)}
        return cast("TransactWriteItemTypeDef", item)

    def _update_params(self, op: Put | Add, now: int) -> dict[str, Any]:
        return {"TableName": self.table_name, "Key": _key(op.pk, op.sk), **_update(op, now)}

    def _delete_params(self, op: Delete, now: int) -> dict[str, Any]:
        expr = _Expression()
        condition = _condition(op.condition, expr, now)
        params: dict[str, Any] = {"TableName": self.table_name, "Key": _key(op.pk, op.sk)}
        if condition is not None:
            params["ConditionExpression"] = condition
        return {**params, **expr.params()}

    def _check_params(self, op: Check, now: int) -> dict[str, Any]:
        expr = _Expression()
        condition = _condition(op.condition, expr, now)
        if condition is None:
            # A Check without a condition holds; DynamoDB needs some expression all the same.
            name = expr.name("pk")
            condition = f"(attribute_exists({name}) OR attribute_not_exists({name}))"
        return {
            "TableName": self.table_name,
            "Key": _key(op.pk, op.sk),
            "ConditionExpression": condition,
            **expr.params(),
        }

    def _retry_after_failure(self, op: Write) -> bool:
        """After `op`'s condition failed: whether an expired item may be to blame (then try again).

        Puts and adds refuse to touch an expired item (it would hand on its version and counters),
        so their condition fails on one. Delete it, as TTL would, and let the caller try again.
        """
        if not (isinstance(op, Add) or (isinstance(op, Put) and _absent_ok(op.condition))):
            return False
        now = int(time.time())
        raw = self._get_raw(op.pk, op.sk)
        if raw is not None and not _expired(raw, now):
            # Live now: a put that wanted no item fails; otherwise the item changed meanwhile.
            return not (isinstance(op, Put) and isinstance(op.condition, MustNotExist))
        if raw is not None:
            self._reap(op.pk, op.sk, now)
        return True

    def _reap(self, pk: str, sk: str, now: int) -> None:
        expr = _Expression()
        condition = f"{expr.name(TTL_ATTRIBUTE)} <= {expr.value(_n(now))}"
        try:
            with _translated("the store cannot be written"):
                self._client.delete_item(
                    TableName=self.table_name,
                    Key=_key(pk, sk),
                    ConditionExpression=condition,
                    **expr.params(),
                )
        except _ConditionalCheckFailed:
            pass  # Someone else removed or replaced it first.


# Table ------------------------------------------------------------------------------------------


def create_table(client: DynamoDBClient, table_name: str) -> None:
    """Create the store's table (on-demand, TTL on `expires_at`); do nothing if it is there.

    Waits until the table is ACTIVE. Raises StoreError if a table of that name has another key
    schema or TTL attribute, StoreUnavailable if DynamoDB cannot be reached.
    """
    with _translated("cannot create the table"):
        try:
            client.create_table(**_create_table_request(table_name))
        except ClientError as exc:
            if _error_code(exc) != "ResourceInUseException":
                raise
        client.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
        )
        table = client.describe_table(TableName=table_name)["Table"]
        schema = {(k["AttributeName"], k["KeyType"]) for k in table.get("KeySchema", [])}
        expected = {
            (TABLE_DEFINITION["hash_key"], "HASH"),
            (TABLE_DEFINITION["range_key"], "RANGE"),
        }
        if schema != expected:
            raise StoreError(f"table {table_name} exists with another key schema: {schema}")
        ttl = client.describe_time_to_live(TableName=table_name).get("TimeToLiveDescription", {})
        status = ttl.get("TimeToLiveStatus", "DISABLED")
        if status in ("ENABLED", "ENABLING"):
            if ttl.get("AttributeName") != TTL_ATTRIBUTE:
                raise StoreError(
                    f"table {table_name} has TTL on {ttl.get('AttributeName')!r}, "
                    f"not {TTL_ATTRIBUTE!r}"
                )
            return
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )


def _create_table_request(table_name: str) -> dict[str, Any]:
    """CreateTable's parameters from the shared table definition."""
    definition = TABLE_DEFINITION
    return {
        "TableName": table_name,
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]}
            for a in definition["attributes"]
        ],
        "KeySchema": [
            {"AttributeName": definition["hash_key"], "KeyType": "HASH"},
            {"AttributeName": definition["range_key"], "KeyType": "RANGE"},
        ],
        "BillingMode": definition["billing_mode"],
    }


# Errors -----------------------------------------------------------------------------------------


class _ConditionalCheckFailed(Exception):
    """A condition failed (internal; becomes ConditionFailed or a retry)."""

    def __init__(self, index: int = 0) -> None:
        super().__init__(index)
        self.index = index


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "Unknown")


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn botocore exceptions into the store's: `_ConditionalCheckFailed` or StoreUnavailable."""
    try:
        yield
    except ClientError as exc:
        code = _error_code(exc)
        if code == "ConditionalCheckFailedException":
            raise _ConditionalCheckFailed() from exc
        if code == "TransactionCanceledException":
            reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons:
                raise _ConditionalCheckFailed(reasons.index("ConditionalCheckFailed")) from exc
            if "ResourceNotFoundException" in reasons:  # as moto says it
                raise StoreUnavailable(detail=f"{what}: the table does not exist") from exc
            if all(reason in _RETRYABLE_REASONS for reason in reasons):
                raise StoreUnavailable(
                    detail=f"{what}: the transaction conflicted or was throttled; try again"
                ) from exc
            raise StoreUnavailable(
                detail=f"{what}: the transaction was cancelled ({', '.join(reasons)})"
            ) from exc
        if code in _THROTTLING:
            raise StoreUnavailable(detail=f"{what}: the store is throttling ({code})") from exc
        if code == "ResourceNotFoundException":
            raise StoreUnavailable(detail=f"{what}: the table does not exist") from exc
        raise StoreUnavailable(detail=f"{what}: {code}") from exc
    except BotoCoreError as exc:
        # EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, NoCredentialsError, ...
        raise StoreUnavailable(detail=f"{what}: {type(exc).__name__}") from exc


# Expressions ------------------------------------------------------------------------------------


class _Expression:
    """Placeholders for one request's expressions (DynamoDB refuses unused ones)."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._values: dict[str, AttributeValueTypeDef] = {}

    def name(self, attribute: str) -> str:
        for placeholder, known in self._names.items():
            if known == attribute:
                return placeholder
        placeholder = f"#a{len(self._names)}"
        self._names[placeholder] = attribute
        return placeholder

    def value(self, value: AttributeValueTypeDef) -> str:
        for placeholder, known in self._values.items():
            if known == value:
                return placeholder
        placeholder = f":v{len(self._values)}"
        self._values[placeholder] = value
        return placeholder

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self._names:
            params["ExpressionAttributeNames"] = dict(self._names)
        if self._values:
            params["ExpressionAttributeValues"] = dict(self._values)
        return params


def _not_expired(expr: _Expression, now: int) -> str:
    """True of a live item and of no item (an absent attribute compares as neither)."""
    exp = expr.name(TTL_ATTRIBUTE)
    return f"(attribute_not_exists({exp}) OR {exp} > {expr.value(_n(now))})"


def _condition(condition: Condition, expr: _Expression, now: int) -> str | None:
    """The condition as DynamoDB sees it: an item whose expires_at <= now does not exist."""
    match condition:
        case None:
            return None
        case MustNotExist():
            pk, exp = expr.name("pk"), expr.name(TTL_ATTRIBUTE)
            return f"(attribute_not_exists({pk}) OR {exp} <= {expr.value(_n(now))})"
        case MustExist():
            return f"(attribute_exists({expr.name('pk')}) AND {_not_expired(expr, now)})"
        case VersionIs(version=version):
            version_name = expr.name("version")
            return f"({version_name} = {expr.value(_n(version))} AND {_not_expired(expr, now)})"
    raise TypeError(f"unknown condition {condition!r}")  # pragma: no cover


def _absent_ok(condition: Condition) -> bool:
    return condition is None or isinstance(condition, MustNotExist)


def _update(op: Put | Add, now: int) -> dict[str, Any]:
    """UpdateItem parameters (less table and key) of a put or an add.

    Neither may build on an expired item: a put's or an add's condition also asks that the item
    be absent or live, and the caller reaps an expired one and tries again.
    """
    expr = _Expression()
    data, version = expr.name("data"), expr.name("version")
    zero = expr.value(_n(0))
    if isinstance(op, Put):
        parts = [
            f"SET {data} = {expr.value(_s(_encode(op.data)))}",
            f"{version} = if_not_exists({version}, {zero}) + {expr.value(_n(1))}",
        ]
        exp = expr.name(TTL_ATTRIBUTE)
        if op.expires_at is None:
            update = ", ".join(parts) + f" REMOVE {exp}"
        else:
            parts.append(f"{exp} = {expr.value(_n(op.expires_at))}")
            update = ", ".join(parts)
        if isinstance(op.condition, MustNotExist):
            # "absent or expired" and "absent or live": absent. An expired item is reaped first.
            condition = f"attribute_not_exists({expr.name('pk')})"
        elif op.condition is None:
            condition = _not_expired(expr, now)
        else:
            condition = _condition(op.condition, expr, now) or ""
    else:
        update = (
            f"SET {data} = if_not_exists({data}, {expr.value(_s('{}'))}), "
            f"{version} = if_not_exists({version}, {zero})"
        )
        adds = [
            f"{expr.name(COUNTER_PREFIX + name)} {expr.value(_n(amount))}"
            for name, amount in op.counters.items()
        ]
        if adds:
            update += " ADD " + ", ".join(adds)
        condition = _not_expired(expr, now)
    return {"UpdateExpression": update, "ConditionExpression": condition, **expr.params()}


# Values -----------------------------------------------------------------------------------------


def _check_key(pk: str, sk: str) -> None:
    if not pk or not sk:
        raise ValueError("DynamoDB keys must be non-empty strings")


def _key(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": _s(pk), "sk": _s(sk)}


def _s(value: str) -> AttributeValueTypeDef:
    return {"S": value}


def _n(value: Number) -> AttributeValueTypeDef:
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"a stored number must be finite, not {value!r}")
    # Plain notation: DynamoDB takes exponents, but plain text is unambiguous everywhere.
    return {"N": format(number, "f")}


def _encode(data: Mapping[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def _number(raw: AttributeValueTypeDef) -> Decimal:
    return Decimal(raw.get("N", "0"))


def _expired(raw: _Raw, now: int) -> bool:
    expires_at = raw.get(TTL_ATTRIBUTE)
    return expires_at is not None and "N" in expires_at and _number(expires_at) <= now


def _item(raw: _Raw) -> Item:
    data: dict[str, Any] = json.loads(raw["data"].get("S", "{}")) if "data" in raw else {}
    return Item(
        pk=raw["pk"].get("S", ""),
        sk=raw["sk"].get("S", ""),
        data=data,
        version=int(_number(raw["version"])) if "version" in raw else 0,
        counters={
            name.removeprefix(COUNTER_PREFIX): _number(value)
            for name, value in raw.items()
            if name.startswith(COUNTER_PREFIX) and "N" in value
        },
    )

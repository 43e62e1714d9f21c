"""IAM for the Lambda functions, checked offline: the policies as Terraform renders them, IAM's
evaluation of a request against a policy, and a recorder that maps every AWS call the code makes
to the IAM requests it needs and decides each against the calling function's policy.

Why not moto's own IAM enforcement: moto 5.2.5 authorises DynamoDB, Cognito and SNS calls
against resource `*` (`BaseResponse.call_action` in moto/core/responses.py passes `resource="*"`
to `_authenticate_and_authorize_normal_action` unless the service defines `_determine_resource`,
which only SQS, IAM and STS do; S3 alone builds object ARNs), so a statement scoped to the table,
the pool or the topic never matches there; and it checks `dynamodb:TransactWriteItems`, an action
IAM does not have: IAM authorises each item of a transaction as its own action
(PutItem/UpdateItem/DeleteItem/ConditionCheckItem; TransactGetItems as GetItem; see
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
The recorder here is stricter: actions, resource ARNs and the conditions it can evaluate.

KMS: each call on a resource encrypted with the customer-managed key also needs the key, used by
the service with the caller's permissions (the `kms:ViaService` condition key says which service):
- DynamoDB: kms:Decrypt of the table key "by the principal in your AWS account who is accessing
  the table" (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html,
  "Decrypt"); GenerateDataKey is made by the DynamoDB service itself when the table is created;
- S3 PutObject with SSE-KMS: kms:GenerateDataKey (Decrypt only for multipart uploads, which the
  config publisher never makes; https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html);
  GetObject of such an object (the inference plane's config sync): kms:Decrypt (same page);
- SNS Publish to an encrypted topic: kms:GenerateDataKey and kms:Decrypt
  (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#send-to-encrypted-topic);
- SQS SendMessage to an encrypted queue: kms:GenerateDataKey and kms:Decrypt
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from controlplane.store.dynamodb import TABLE_DEFINITION
from handlers import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
POLICY_FILE = ROOT / "infra" / "modules" / "control_plane" / "iam_policies.json"

FUNCTIONS = FUNCTIONS
PLACEHOLDERS = frozenset(
    {
        "table_arn",
        "user_pool_arn",
        "config_object_arn",
        "alerts_topic_arn",
        "kms_key_arn",
        "log_group_arn",
        "failure_queue_arn",
    }
)

Statement = Mapping[str, Any]
HASH_KEY: str = TABLE_DEFINITION["hash_key"]


# Rendering, as Terraform's templatefile does -------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def template_problems(text: str, placeholders: frozenset[str] = PLACEHOLDERS) -> list[str]:
    """What would make Terraform's templatefile render `text` differently from `${name}`
    substitution: directives, escapes, expressions, or names that are not `placeholders`."""
    problems = []
    for token in ("%{", "$${", "%%{"):
        if token in text:
            problems.append(f"{token!r} is template syntax beyond ${{name}}")
    for match in _INTERPOLATION.finditer(text):
        name = match.group(1)
        if not _NAME.fullmatch(name):
            problems.append(f"${{{name}}} is an expression, not a placeholder")
        elif name not in placeholders:
            problems.append(f"${{{name}}} is not one of the placeholders {sorted(placeholders)}")
    if text.count("${") != len(_INTERPOLATION.findall(text)):
        problems.append("an unterminated ${")
    return problems


def render_text(
    values: Mapping[str, str], text: str, placeholders: frozenset[str] = PLACEHOLDERS
) -> str:
    """templatefile(file, values) for a file whose only template syntax is `${name}`."""
    problems = template_problems(text, placeholders)
    if problems:
        raise ValueError("; ".join(problems))
    return _INTERPOLATION.sub(lambda match: values[match.group(1)], text)


def render_policies(
    values: Mapping[str, str], text: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """jsondecode(templatefile(iam_policies.json, values)): each function's statements."""
    source = POLICY_FILE.read_text() if text is None else text
    rendered: dict[str, list[dict[str, Any]]] = json.loads(render_text(values, source))
    return rendered


# Evaluation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One authorisation IAM makes: an action on a resource, with the request's context keys."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()
    why: str = ""
    """What made it: the API call, the transaction item, the service acting for the caller."""

    def __str__(self) -> str:
        context = "".join(f" [{key}={value}]" for key, value in self.context)
        return f"{self.action} on {self.resource}{context} ({self.why})"


@cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: `*` any run of characters, `?` one character."""
    body = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """Action names are case-insensitive (`dynamodb:getitem` is `dynamodb:GetItem`)."""
    return glob_match(pattern, action, ignore_case=True)


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM's ARN matching: `*` alone is anything; otherwise the five `:`-separated fields and
    the resource part are matched one by one (a wildcard in a field does not cross its `:`,
    one in the resource part may), case-sensitively."""
    if pattern == "*":
        return True
    expected, actual = pattern.split(":", 5), arn.split(":", 5)
    if len(expected) != 6 or len(actual) != 6:
        return glob_match(pattern, arn)
    return all(glob_match(p, a) for p, a in zip(expected, actual, strict=True))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_POSITIVE = {
    "StringEquals": lambda want, got: want == got,
    "StringEqualsIgnoreCase": lambda want, got: want.lower() == got.lower(),
    "StringLike": lambda want, got: glob_match(want, got),
    "ArnEquals": lambda want, got: want == got,
    "ArnLike": arn_matches,
    "Bool": lambda want, got: str(want).lower() == got.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


_SET_QUALIFIERS = ("ForAllValues", "ForAnyValue")


def conditions_hold(
    condition: Mapping[str, Any], context: Mapping[str, str] | Sequence[tuple[str, str]]
) -> bool:
    """Every operator, every key of it, holds (keys are case-insensitive; a key's values are
    alternatives). A key missing from the request satisfies a negated operator and fails a
    positive one, unless that ends in IfExists. A key the request gives several values (a
    context pair per value, as dynamodb:LeadingKeys) needs a set operator: `ForAllValues:` holds
    when each value matches (and when there is none), `ForAnyValue:` when one does. Operators this
    check cannot evaluate raise."""
    known: dict[str, list[str]] = {}
    for key, value in context.items() if isinstance(context, Mapping) else context:
        known.setdefault(key.lower(), []).append(value)
    for operator, tests in condition.items():
        qualifier, _, single = operator.rpartition(":")
        if qualifier and qualifier not in _SET_QUALIFIERS:
            raise ValueError(f"set operator {operator} is not evaluated here")
        base = single.removesuffix("IfExists")
        if_exists = base != single
        for key, wanted in tests.items():
            values = known.get(key.lower(), [])
            if qualifier == "ForAllValues":
                holds = all(_value_matches(base, wanted, got) for got in values)
            elif qualifier == "ForAnyValue":
                holds = any(_value_matches(base, wanted, got) for got in values)
            elif len(values) > 1:
                raise ValueError(f"{key} has several values: only a set operator evaluates it")
            elif base == "Null":
                holds = (not values) == (str(wanted).lower() == "true")
            elif not values:
                holds = if_exists or base in _NEGATED
            else:
                holds = _value_matches(base, wanted, values[0])
            if not holds:
                return False
    return True


def _value_matches(base: str, wanted: Any, got: str) -> bool:
    """Whether one value of the request satisfies the operator (one of the wanted values matches,
    or for a negated operator none does)."""
    if base in _POSITIVE:
        return any(_POSITIVE[base](str(w), got) for w in _as_list(wanted))
    if base in _NEGATED:
        return not any(_POSITIVE[_NEGATED[base]](str(w), got) for w in _as_list(wanted))
    raise ValueError(f"condition operator {base} is not evaluated here")


_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"})


def statement_problems(statement: Statement) -> list[str]:
    """What an identity policy's statement must not have (or lacks)."""
    problems = [
        f"unexpected element {key}"
        for key in statement
        if key not in {*_STATEMENT_KEYS, "Condition"}
    ]
    if statement.get("Effect") not in ("Allow", "Deny"):
        problems.append(f"Effect {statement.get('Effect')!r}")
    if ("Action" in statement) == ("NotAction" in statement):
        problems.append("exactly one of Action and NotAction")
    if ("Resource" in statement) == ("NotResource" in statement):
        problems.append("exactly one of Resource and NotResource")
    return problems


def statement_applies(statement: Statement, request: Request) -> bool:
    """Whether the statement's action, resource and condition all match the request."""
    if "Action" in statement:
        action_ok = any(action_matches(a, request.action) for a in _as_list(statement["Action"]))
    else:
        action_ok = not any(
            action_matches(a, request.action) for a in _as_list(statement["NotAction"])
        )
    if not action_ok:
        return False
    if "Resource" in statement:
        resource_ok = any(arn_matches(r, request.resource) for r in _as_list(statement["Resource"]))
    else:
        resource_ok = not any(
            arn_matches(r, request.resource) for r in _as_list(statement["NotResource"])
        )
    return resource_ok and conditions_hold(statement.get("Condition", {}), request.context)


@dataclass(frozen=True)
class Decision:
    request: Request
    allowing: tuple[int, ...]
    """Indexes of the Allow statements that match (none: implicitly denied)."""
    denying: tuple[int, ...] = ()

    @property
    def allowed(self) -> bool:
        return bool(self.allowing) and not self.denying


def decide(statements: Sequence[Statement], request: Request) -> Decision:
    """IAM's decision for an identity policy alone: an explicit Deny wins, else an Allow is
    needed (implicit deny)."""
    matching = [i for i, s in enumerate(statements) if statement_applies(s, request)]
    return Decision(
        request,
        allowing=tuple(i for i in matching if statements[i]["Effect"] == "Allow"),
        denying=tuple(i for i in matching if statements[i]["Effect"] == "Deny"),
    )


# From an API call to the requests IAM makes ----------------------------------------------------


@dataclass(frozen=True)
class Account:
    """Where the calls go: the resource ARNs are built from it."""

    account_id: str
    region: str
    encrypted: Mapping[str, str] = field(default_factory=dict)
    """Resource ARN (a table, bucket, topic or queue) → the KMS key ARN that encrypts it."""

    def key_of(self, arn: str) -> str | None:
        for resource, key in self.encrypted.items():
            if arn == resource or arn.startswith(resource + "/"):
                return key
        return None


def _service_name(client: BaseClient) -> str:
    model = client.meta.service_model
    return str(model.signing_name or model.endpoint_prefix)


_DYNAMODB_ITEM_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem"})
_DYNAMODB_ITEM_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"})
_DYNAMODB_TABLE_OPS = frozenset(
    {"DescribeTable", "CreateTable", "DescribeTimeToLive", "UpdateTimeToLive", "DeleteTable"}
)
_TRANSACT_WRITE_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _table_arn(account: Account, region: str, name: str) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:aws:dynamodb:{region}:{account.account_id}:table/{name}"


def _via(
    account: Account, region: str, service: str, resource: str, actions: Sequence[str]
) -> list[Request]:
    """The KMS requests a service makes with the caller's permissions for an encrypted resource."""
    key = account.key_of(resource)
    if key is None:
        return []
    context = (
        ("kms:ViaService", f"{service}.{region}.amazonaws.com"),
        ("kms:CallerAccount", account.account_id),
    )
    return [
        Request(f"kms:{action}", key, context, f"{service} uses the key for {resource}")
        for action in actions
    ]


def _dynamodb(
    account: Account, region: str, operation: str, params: Mapping[str, Any]
) -> list[Request]:
    why = f"dynamodb.{operation}"
    items: list[tuple[str, str, list[str], str]] = []  # (action, table, leading keys, why)
    if operation == "TransactWriteItems":
        for index, item in enumerate(params["TransactItems"]):
            ((kind, body),) = item.items()
            items.append(
                (
                    _TRANSACT_WRITE_ACTIONS[kind],
                    body["TableName"],
                    [_partition_of(body["Key"])],
                    f"{why} item {index} ({kind})",
                )
            )
    elif operation == "TransactGetItems":
        for index, item in enumerate(params["TransactItems"]):
            get = item["Get"]
            items.append(
                ("GetItem", get["TableName"], [_partition_of(get["Key"])], f"{why} item {index}")
            )
    elif operation == "BatchGetItem":
        for table, request in params["RequestItems"].items():
            items.append((operation, table, [_partition_of(k) for k in request["Keys"]], why))
    elif operation == "BatchWriteItem":
        for table, writes in params["RequestItems"].items():
            keys = [
                _partition_of(
                    w["PutRequest"]["Item"] if "PutRequest" in w else w["DeleteRequest"]["Key"]
                )
                for w in writes
            ]
            items.append((operation, table, keys, why))
    elif operation == "Query":
        items.append((operation, params["TableName"], [_queried_partition(params)], why))
    elif operation in _DYNAMODB_ITEM_READS | _DYNAMODB_ITEM_WRITES:
        # Scan has no partition key: no dynamodb:LeadingKeys, as on AWS.
        keys = [_partition_of(params["Key"])] if "Key" in params else []
        items.append((operation, params["TableName"], keys, why))
    elif operation in _DYNAMODB_TABLE_OPS:
        items.append((operation, params["TableName"], [], why))
    else:
        raise LookupError(f"no IAM mapping for dynamodb.{operation}: add it to tests/infra/iam.py")
    requests = []
    for action, table, leading_keys, item_why in items:
        arn = _table_arn(account, region, table)
        resource = f"{arn}/index/{params['IndexName']}" if params.get("IndexName") else arn
        context = tuple(("dynamodb:LeadingKeys", key) for key in leading_keys)
        requests.append(Request(f"dynamodb:{action}", resource, context, item_why))
        if action not in _DYNAMODB_TABLE_OPS:
            requests += _via(account, region, "dynamodb", arn, ["Decrypt"])
    return requests


def _partition_of(key: Mapping[str, Any]) -> str:
    """The partition key value of an item's key (or whole item), as dynamodb:LeadingKeys has it."""
    value: str = key[HASH_KEY]["S"]
    return value


def _queried_partition(params: Mapping[str, Any]) -> str:
    """The partition a Query reads: the value its key condition sets the partition key equal to."""
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    for name, placeholder in re.findall(r"(#?\w+)\s*=\s*(:\w+)", params["KeyConditionExpression"]):
        if names.get(name, name) == HASH_KEY:
            return _partition_of({HASH_KEY: values[placeholder]})
    raise LookupError(f"no partition key in {params['KeyConditionExpression']!r}")


def _s3(account: Account, region: str, operation: str, params: Mapping[str, Any]) -> list[Request]:
    why = f"s3.{operation}"
    if operation not in ("PutObject", "GetObject", "DeleteObject", "HeadObject"):
        raise LookupError(f"no IAM mapping for s3.{operation}: add it to tests/infra/iam.py")
    arn = f"arn:aws:s3:::{params['Bucket']}/{params['Key']}"
    action = "GetObject" if operation == "HeadObject" else operation
    requests = [Request(f"s3:{action}", arn, why=why)]
    if action == "GetObject":
        # Reading an SSE-KMS object: S3 decrypts its data key with the caller's kms:Decrypt.
        requests += _via(account, region, "s3", arn, ["Decrypt"])
    if operation == "PutObject":
        # Setting an ACL or tags in the same call needs their own actions as well.
        if "ACL" in params or any(p.startswith("Grant") for p in params):
            requests.append(Request("s3:PutObjectAcl", arn, why=why))
        if "Tagging" in params:
            requests.append(Request("s3:PutObjectTagging", arn, why=why))
        requests += _via(account, region, "s3", arn, ["GenerateDataKey"])
    return requests


def _sns(account: Account, region: str, operation: str, params: Mapping[str, Any]) -> list[Request]:
    if operation != "Publish" or "TopicArn" not in params:
        raise LookupError(f"no IAM mapping for sns.{operation}: add it to tests/infra/iam.py")
    arn = params["TopicArn"]
    return [
        Request("sns:Publish", arn, why="sns.Publish"),
        *_via(account, region, "sns", arn, ["GenerateDataKey", "Decrypt"]),
    ]


def queue_arn(queue_url: str) -> str:
    """arn:aws:sqs:<region>:<account>:<name> of https://sqs.<region>.amazonaws.com/<account>/<name>."""
    parts = urlsplit(queue_url)
    account_id, name = parts.path.strip("/").split("/")
    region = parts.hostname.split(".")[1] if parts.hostname else ""
    return f"arn:aws:sqs:{region}:{account_id}:{name}"


def sqs_send(account: Account, region: str, arn: str, why: str) -> list[Request]:
    return [
        Request("sqs:SendMessage", arn, why=why),
        *_via(account, region, "sqs", arn, ["GenerateDataKey", "Decrypt"]),
    ]


def _sqs(account: Account, region: str, operation: str, params: Mapping[str, Any]) -> list[Request]:
    if operation != "SendMessage":
        raise LookupError(f"no IAM mapping for sqs.{operation}: add it to tests/infra/iam.py")
    return sqs_send(account, region, queue_arn(params["QueueUrl"]), "sqs.SendMessage")


def _cognito(
    account: Account, region: str, operation: str, params: Mapping[str, Any]
) -> list[Request]:
    if "UserPoolId" not in params:
        raise LookupError(
            f"no IAM mapping for cognito-idp.{operation}: add it to tests/infra/iam.py"
        )
    arn = f"arn:aws:cognito-idp:{region}:{account.account_id}:userpool/{params['UserPoolId']}"
    return [Request(f"cognito-idp:{operation}", arn, why=f"cognito-idp.{operation}")]


def _kms(account: Account, region: str, operation: str, params: Mapping[str, Any]) -> list[Request]:
    """A direct call (the sealer's envelope encryption): no kms:ViaService, and the encryption
    context as kms:EncryptionContext:<key> condition keys."""
    if operation not in ("GenerateDataKey", "Decrypt"):
        raise LookupError(f"no IAM mapping for kms.{operation}: add it to tests/infra/iam.py")
    key = params.get("KeyId", "")
    if not key.startswith("arn:"):
        raise LookupError(f"kms.{operation} names its key by id ({key!r}): IAM needs the ARN here")
    context = (
        ("kms:CallerAccount", account.account_id),
        *(
            (f"kms:EncryptionContext:{name}", value)
            for name, value in params.get("EncryptionContext", {}).items()
        ),
    )
    return [Request(f"kms:{operation}", key, context, f"kms.{operation}")]


_MAPPERS: dict[str, Callable[[Account, str, str, Mapping[str, Any]], list[Request]]] = {
    "kms": _kms,
    "dynamodb": _dynamodb,
    "s3": _s3,
    "sns": _sns,
    "sqs": _sqs,
    "cognito-idp": _cognito,
}


def requests_of(
    account: Account, service: str, region: str, operation: str, params: Mapping[str, Any]
) -> list[Request]:
    """Every authorisation IAM makes for one API call (the service's KMS use included)."""
    mapper = _MAPPERS.get(service)
    if mapper is None:
        raise LookupError(f"no IAM mapping for {service}.{operation}: add it to tests/infra/iam.py")
    return mapper(account, region, operation, params)


def lambda_runtime_requests(
    account: Account, log_group_arn: str, function_name: str
) -> list[Request]:
    """What Lambda itself does with the function's role on every invocation: its log stream in
    the function's log group (Terraform creates the group) and, with active tracing, X-Ray."""
    stream = f"{log_group_arn}:log-stream:2026/01/01/{function_name}[$LATEST]0123456789abcdef"
    why = "Lambda writes the function's logs"
    return [
        Request("logs:CreateLogStream", stream, why=why),
        Request("logs:PutLogEvents", stream, why=why),
        Request("xray:PutTraceSegments", "*", why="Lambda sends the trace (tracing Active)"),
        Request("xray:PutTelemetryRecords", "*", why="Lambda sends the trace (tracing Active)"),
    ]


# Recording -------------------------------------------------------------------------------------

RUNNING: ContextVar[str | None] = ContextVar("iam_running_function", default=None)
"""The function whose code is running (in this thread or task); its calls are checked."""


@dataclass(frozen=True)
class Recorded:
    function: str
    call: str
    decision: Decision

    def __str__(self) -> str:
        verdict = "allowed" if self.decision.allowed else "DENIED"
        return f"{self.function}: {verdict} {self.decision.request} in call {self.call}"


class Recorder:
    """Checks every AWS call made while a function runs against that function's policy.

    A denied request is recorded and the call fails with AccessDeniedException, as on AWS; the
    test asserts `denials()` is empty afterwards, because code may swallow the error (publishing
    the config logs failures and carries on).
    """

    def __init__(self, policies: Mapping[str, Sequence[Statement]], account: Account) -> None:
        self.policies = policies
        self.account = account
        self.recorded: list[Recorded] = []

    @contextmanager
    def running(self, function: str) -> Iterator[None]:
        if function not in self.policies:
            raise KeyError(f"no policy for {function}")
        token = RUNNING.set(function)
        try:
            yield
        finally:
            RUNNING.reset(token)

    def check(self, function: str, call: str, requests: Sequence[Request]) -> list[Recorded]:
        statements = self.policies[function]
        checked = [Recorded(function, call, decide(statements, r)) for r in requests]
        self.recorded += checked
        return checked

    def check_call(self, client: BaseClient, operation: str, params: Mapping[str, Any]) -> None:
        function = RUNNING.get()
        if function is None:
            return  # the test arranging or inspecting state, not a function
        service = _service_name(client)
        region = client.meta.region_name or self.account.region
        call = f"{service}.{operation}"
        try:
            requests = requests_of(self.account, service, region, operation, params)
        except LookupError as unmapped:
            # Denied whatever the policy says, so a call nobody mapped cannot pass unnoticed.
            request = Request(f"{service}:{operation}", "?", why=str(unmapped))
            self.recorded.append(Recorded(function, call, Decision(request, allowing=())))
            raise
        denied = [r for r in self.check(function, call, requests) if not r.decision.allowed]
        if denied:
            raise ClientError(
                {
                    "Error": {
                        "Code": "AccessDeniedException",
                        "Message": f"{function} is not authorized: {denied[0].decision.request}",
                    }
                },
                operation,
            )

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        """Route every botocore API call through `check_call` (retries, paginators and waiters
        included, Stubber-answered calls too: the Stubber answers later, in `before-call`)."""
        original = BaseClient._make_api_call
        recorder = self

        def _make_api_call(
            client: BaseClient, operation_name: str, api_params: dict[str, Any]
        ) -> Any:
            recorder.check_call(client, operation_name, api_params)
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = _make_api_call  # type: ignore[method-assign]
        try:
            yield self
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]

    def denials(self) -> list[Recorded]:
        return [r for r in self.recorded if not r.decision.allowed]

    def of(self, function: str) -> list[Recorded]:
        return [r for r in self.recorded if r.function == function]


def grants(statements: Sequence[Statement]) -> set[tuple[int, str, str]]:
    """(statement index, action, resource) for every Allow of the policy."""
    return {
        (index, action, resource)
        for index, statement in enumerate(statements)
        if statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"])
    }


def exercised(
    statements: Sequence[Statement], decisions: Sequence[Decision]
) -> set[tuple[int, str, str]]:
    """The grants allowed requests used: action and resource matched under that statement."""
    used = set()
    for decision in decisions:
        if not decision.allowed:
            continue
        for index in decision.allowing:
            statement = statements[index]
            for action in _as_list(statement["Action"]):
                if not action_matches(action, decision.request.action):
                    continue
                for resource in _as_list(statement["Resource"]):
                    if arn_matches(resource, decision.request.resource):
                        used.add((index, action, resource))
    return used

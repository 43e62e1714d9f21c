"""Operations: plain functions registered under their contract `operationId`.

An operation takes `ctx` (the request context) and, as the contract says, `params` (the generated
`<OperationId>Parameters` model of its path and query parameters) and `body` (the generated model
of its request body). It returns a `Reply` or raises a domain error. The operationId is the only
join key between `openapi.yaml` and the code; `check_bindings` fails at start-up when they differ.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_type_hints

from pydantic import BaseModel

import generated.models as generated_models
from controlplane.api.contract import Contract

if TYPE_CHECKING:
    from controlplane.api.context import RequestContext

HANDLER_MODULES = (
    "handlers.team_registration",
    "handlers.budget_admin",
    "handlers.pricing_admin",
    "handlers.routing_config",
    "handlers.content_scanner",
    "handlers.usage_api",
    "handlers.audit_log",
)


@dataclass(frozen=True)
class Reply:
    """What an operation answers: a model (or raw content, or nothing), a status and headers."""

    body: BaseModel | None = None
    status: int = 200
    etag: int | str | None = None
    """The resource version (sent as `"<n>"`), or a complete entity tag such as a hash."""
    content: bytes | None = None
    """A body that is not a JSON model (e.g. the rendered YAML config), sent as `content_type`."""
    content_type: str = "application/octet-stream"
    location: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    function: Callable[..., Reply]
    params_model: type[BaseModel] | None
    body_model: type[BaseModel] | None


_REGISTRY: dict[str, Operation] = {}


def operation(operation_id: str) -> Callable[[Callable[..., Reply]], Callable[..., Reply]]:
    """Register the decorated function as the implementation of `operation_id`."""

    def register(function: Callable[..., Reply]) -> Callable[..., Reply]:
        if operation_id in _REGISTRY:
            raise RuntimeError(f"operation {operation_id} is implemented twice")
        hints = get_type_hints(function)
        _REGISTRY[operation_id] = Operation(
            operation_id=operation_id,
            function=function,
            params_model=hints.get("params"),
            body_model=hints.get("body"),
        )
        return function

    return register


def registered_operations(modules: tuple[str, ...] = HANDLER_MODULES) -> dict[str, Operation]:
    """Import the handler modules (registering their operations) and answer the registry."""
    for module in modules:
        importlib.import_module(module)
    return dict(_REGISTRY)


def check_bindings(contract: Contract, operations: Mapping[str, Operation]) -> list[str]:
    """Every way the code and the contract disagree; empty when they agree."""
    problems = []
    for op_id, info in contract.operations.items():
        implementation = operations.get(op_id)
        if implementation is None:
            problems.append(f"{op_id}: no implementation")
            continue
        module = inspect.getmodule(implementation.function)
        owner = module.__name__.rsplit(".", 1)[-1] if module else "?"
        if owner != info.lambda_name:
            problems.append(
                f"{op_id}: implemented in {owner}, the contract says {info.lambda_name}"
            )
        expected_params = _params_model_name(op_id)
        has_params = hasattr(generated_models, expected_params)
        params_model = implementation.params_model
        if has_params and (params_model is None or params_model.__name__ != expected_params):
            problems.append(f"{op_id}: `params` must be generated.models.{expected_params}")
        if not has_params and params_model is not None:
            problems.append(f"{op_id}: takes `params` but the contract has no parameters")
        body_name = implementation.body_model.__name__ if implementation.body_model else None
        if body_name != info.body_schema:
            problems.append(f"{op_id}: body is {body_name}, the contract says {info.body_schema}")
    for op_id in operations.keys() - contract.operations.keys():
        problems.append(f"{op_id}: implemented but not in the contract")
    return problems


def bind(contract: Contract) -> dict[str, Operation]:
    """The operations of the contract, or a RuntimeError saying what is missing or mismatched."""
    operations = registered_operations()
    problems = check_bindings(contract, operations)
    if problems:
        raise RuntimeError("the code does not implement the contract:\n  " + "\n  ".join(problems))
    return operations


def _params_model_name(operation_id: str) -> str:
    return operation_id[0].upper() + operation_id[1:] + "Parameters"


def call(op: Operation, ctx: RequestContext, params: Any, body: Any) -> Reply:
    kwargs: dict[str, Any] = {}
    if op.params_model is not None:
        kwargs["params"] = params
    if op.body_model is not None:
        kwargs["body"] = body
    return op.function(ctx, **kwargs)

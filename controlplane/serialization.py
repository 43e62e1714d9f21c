"""Models to JSON exactly as the contract describes them.

Absent optional fields are omitted (not `null`), while required nullable fields such as
`next_cursor` keep their `null`. Pydantic's `exclude_none` cannot tell the two apart.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

_AS_IS = frozenset({str, int, float, bool, type(None)})
"""Types JSON takes as they are (checked by exact type: a subclass, such as an enum, is not)."""

_FIELDS: dict[type[BaseModel], list[tuple[str, str, bool]]] = {}
"""Per model class: (attribute, JSON name, required) of each field, worked out once."""


def _fields(model: type[BaseModel]) -> list[tuple[str, str, bool]]:
    plan = _FIELDS.get(model)
    if plan is None:
        plan = [
            (name, info.alias or name, info.is_required())
            for name, info in model.model_fields.items()
        ]
        _FIELDS[model] = plan
    return plan


def to_jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is list or kind is tuple:
        return [to_jsonable(v) for v in value]
    if kind is dict:
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, BaseModel):
        if value.__pydantic_root_model__:
            # A RootModel, recognised without importing it: that import builds a model (and
            # loads pydantic's plugins) at import time, a cold-start cost paid by every Lambda.
            return to_jsonable(value.__dict__["root"])
        out: dict[str, Any] = {}
        for name, key, required in _fields(kind):
            item = getattr(value, name)
            if item is None and not required:
                continue
            out[key] = to_jsonable(item)
        return out
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return to_jsonable_python(value)


def to_json_bytes(value: Any) -> bytes:
    return json.dumps(to_jsonable(value), separators=(",", ":"), ensure_ascii=False).encode()

"""Models to JSON exactly as the contract describes them.

Absent optional fields are omitted (not `null`), while required nullable fields such as
`next_cursor` keep their `null`. Pydantic's `exclude_none` cannot tell the two apart.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel) and value.__pydantic_root_model__:
        # A RootModel, recognised without importing it: that import builds a model (and loads
        # pydantic's plugins) at import time, a cold-start cost paid by every Lambda.
        return to_jsonable(value.__dict__["root"])
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        for name, info in type(value).model_fields.items():
            item = getattr(value, name)
            if item is None and not info.is_required():
                continue
            out[info.alias or name] = to_jsonable(item)
        return out
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return to_jsonable_python(value)


def to_json_bytes(value: Any) -> bytes:
    return json.dumps(to_jsonable(value), separators=(",", ":"), ensure_ascii=False).encode()

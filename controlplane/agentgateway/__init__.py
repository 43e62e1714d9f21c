"""agentgateway's config schema (release v1.4.1, see PROVENANCE.md) and validation against it.

Every rendered config is validated before it is published, so agentgateway never receives a file
it would refuse. The schema is draft 2020-12 and closes its objects with `unevaluatedProperties`,
which only a 2020-12 validator enforces.

Validation is slow (jsonschema needs 5-10 ms per route with this schema, seconds for a config of
1,000 rules) and a config is validated again on every change, while a change alters a route or
two. So the document is validated in parts, each `routes[i]` and `routeGroups[i].routes[j]` on its
own against its schema definition (array items are validated independently anyway, so the result
is the same), and each part's result is cached by its content: unchanged routes cost a lookup.
The content is the part's canonical JSON, or a text the caller already has of it (`known_text`:
a render's YAML of each child route), which spares serialising 1,000 unchanged routes per change.
A child route's name does not depend on its position (`controlplane.domain.agentgateway`), so a
new rule leaves every other route's text, and cache entry, as it was.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Imported where first used: jsonschema (and referencing, attrs, rpds) is about 70 ms of a
    # cold start, and only a config change or publication validates.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "config.schema.json"
SCHEMA_SHA256 = "0362ae5ae292369b717562bbc705b66c669a4543bef5e0c24363f9b254c6a400"
"""SHA-256 of the packaged schema: `schema/config.json` of agentgateway at tag v1.4.1."""

_MAX_MESSAGE = 300
"""jsonschema messages repeat the offending value, which can be a whole route: cut them short."""

_CACHED_PARTS = 8192
"""Results kept (least recently used dropped): several configs of 1,000 rules."""

Path = tuple[str | int, ...]
_Found = tuple[tuple[Path, str], ...]


@dataclass(frozen=True)
class ConfigProblem:
    """One reason a config does not validate: where (`routes[3].backends[0].ai`) and why."""

    path: str
    message: str


def schema_text() -> str:
    """The packaged schema, as shipped."""
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


KnownText = Callable[[Any], str | None]
"""A text of a part that its content is a function of (`RenderedConfig.known_text`), or None."""


def validate_config(
    document: Mapping[str, Any], *, known_text: KnownText | None = None
) -> list[ConfigProblem]:
    """Every problem of `document`, the most specific (deepest) first; empty when it validates.

    `known_text` names the content of parts the caller has a text of (so they are not serialised
    to find their cached result); the parts must not have changed since that text was made.
    """
    found: set[tuple[Path, str]] = set()
    for prefix, definition, part in _parts(document):
        problems = _problems(definition, part, known_text)
        found.update(((*prefix, *path), message) for path, message in problems)
    ordered = sorted(found, key=lambda item: (-len(item[0]), _path(item[0]), item[1]))
    return [ConfigProblem(_path(path), message) for path, message in ordered]


def forget_validations() -> None:
    """Drop the cached results of validated parts (so a benchmark can measure a cold start)."""
    with _results_lock:
        _results.clear()


def validations_run() -> int:
    """How many parts were validated (not found in the cache) since the process started."""
    return _counter["run"]


def _parts(document: Mapping[str, Any]) -> Iterator[tuple[Path, str | None, Any]]:
    """(where, schema definition or None for the root, value): the routes apart, the rest whole."""
    if not isinstance(document, dict):
        yield (), None, document
        return
    rest = dict(document)
    routes = document.get("routes")
    if isinstance(routes, list):
        rest["routes"] = []
        for index, route in enumerate(routes):
            yield ("routes", index), "LocalAttachedRoute", route
    groups = document.get("routeGroups")
    if isinstance(groups, list):
        rest["routeGroups"] = []
        for index, group in enumerate(groups):
            children = group.get("routes") if isinstance(group, dict) else None
            if not isinstance(children, list):
                rest["routeGroups"].append(group)
                continue
            rest["routeGroups"].append({**group, "routes": []})
            for child_index, child in enumerate(children):
                where = ("routeGroups", index, "routes", child_index)
                yield where, "LocalRoute", child
    yield (), None, rest


_results: OrderedDict[tuple[str | None, str, str], _Found] = OrderedDict()
_results_lock = threading.Lock()
_counter = {"run": 0}


def _problems(definition: str | None, part: Any, known_text: KnownText | None) -> _Found:
    # Keyed by a tuple, not a concatenation: the known text's hash is computed once per text.
    text = known_text(part) if known_text is not None else None
    if text is not None:
        key = (definition, "known", text)
    else:
        try:
            key = (definition, "json", json.dumps(part, sort_keys=True, separators=(",", ":")))
        except (TypeError, ValueError):
            # Not plain JSON data (a tuple, a Decimal...): validate as is, without the cache.
            return _validate(definition, part)
    with _results_lock:
        found = _results.get(key)
        if found is not None:
            _results.move_to_end(key)
            return found
    found = _validate(definition, part)
    with _results_lock:
        _results[key] = found
        while len(_results) > _CACHED_PARTS:
            _results.popitem(last=False)
    return found


def _validate(definition: str | None, part: Any) -> _Found:
    _counter["run"] += 1
    leaves = (_most_specific(e) for e in _validator(definition).iter_errors(part))
    return tuple((tuple(e.absolute_path), _short(e.message)) for e in leaves)


@cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@cache
def _validator(definition: str | None) -> Draft202012Validator:
    # Built once each: compiling the schema's 278 definitions per call would cost more than most
    # validations. A definition's validator keeps every `$defs` so its references resolve.
    from jsonschema import Draft202012Validator

    schema = _schema()
    if definition is None:
        return Draft202012Validator(schema)
    return Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]})


def _most_specific(error: ValidationError) -> ValidationError:
    # An anyOf/oneOf failure says only "not valid under any of the given schemas"; the most
    # relevant error among its alternatives names the field that is actually wrong.
    from jsonschema.exceptions import best_match

    return best_match([error]) or error


def _path(parts: Path) -> str:
    """`llm.models[3].provider`; keys that are not plain names are quoted (`add["a.b"]`)."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "").replace("-", "").isalnum():
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text or "(root)"


def _short(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"

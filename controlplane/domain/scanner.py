"""Scanner policy rules: consistent scope, unique detectors and rule names, portable regexes.

Custom patterns run in agentgateway, whose regex engine (Rust `regex`) has no look-around and no
back-references, so a pattern that only Python could run is refused here rather than breaking
the rendered config.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from controlplane.errors import FieldProblem, Unprocessable

try:  # Python 3.11 keeps the parser in sre_parse; 3.12+ in re._parser.
    import re._parser as _sre_parse  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef,unused-ignore]

_UNSUPPORTED = {
    "ASSERT": "look-ahead/look-behind is not supported by agentgateway's regex engine",
    "ASSERT_NOT": "negative look-around is not supported by agentgateway's regex engine",
    "GROUPREF": "back-references are not supported by agentgateway's regex engine",
    "GROUPREF_EXISTS": "conditional groups are not supported by agentgateway's regex engine",
    "ATOMIC_GROUP": "atomic groups are not supported by agentgateway's regex engine",
    "POSSESSIVE_REPEAT": "possessive quantifiers are not supported by agentgateway's regex engine",
}


@dataclass(frozen=True)
class RegexSpec:
    name: str
    pattern: str


def regex_problem(pattern: str) -> str | None:
    """Why agentgateway could not run this pattern, or None when it can."""
    try:
        re.compile(pattern)
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"does not compile: {exc}"
    stack = [parsed]
    while stack:
        node = stack.pop()
        for op, arg in node:
            reason = _UNSUPPORTED.get(str(op))
            if reason:
                return reason
            for child in arg if isinstance(arg, list | tuple) else ():
                if isinstance(child, _sre_parse.SubPattern):
                    stack.append(child)
                elif isinstance(child, list | tuple):
                    stack.extend(c for c in child if isinstance(c, _sre_parse.SubPattern))
    return None


def check_policy(
    mode: str,
    team_ids: Sequence[str],
    detectors: Sequence[str],
    custom_rules: Sequence[RegexSpec],
) -> None:
    """Raise 422 naming every field that does not fit."""
    problems: list[FieldProblem] = []
    if mode == "teams" and not team_ids:
        problems.append(FieldProblem("applies_to.team_ids", "needs at least one team"))
    if mode == "all" and team_ids:
        problems.append(FieldProblem("applies_to.team_ids", "must be empty when mode is all"))
    if len(set(team_ids)) != len(team_ids):
        problems.append(FieldProblem("applies_to.team_ids", "names a team twice"))
    seen_detectors: set[str] = set()
    for index, detector in enumerate(detectors):
        if detector in seen_detectors:
            problems.append(
                FieldProblem(f"detectors[{index}].detector", f"{detector} is listed twice")
            )
        seen_detectors.add(detector)
    seen_names: set[str] = set()
    for index, rule in enumerate(custom_rules):
        if rule.name in seen_names:
            problems.append(
                FieldProblem(f"custom_rules[{index}].name", f"{rule.name} is used twice")
            )
        seen_names.add(rule.name)
        if reason := regex_problem(rule.pattern):
            problems.append(FieldProblem(f"custom_rules[{index}].pattern", reason))
    if problems:
        first = problems[0]
        raise Unprocessable(detail=f"{first.field}: {first.message}", errors=problems)

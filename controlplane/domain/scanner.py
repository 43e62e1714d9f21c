r"""Scanner policy rules: consistent scope, unique detectors and rule names, portable regexes.

Custom patterns run in agentgateway, which compiles them with Rust's `regex` crate
(`serde_regex`, i.e. `Regex::new` with the crate's default 10 MiB size limit:
`crates/agentgateway/src/llm/policy/mod.rs` `RegexRule`, agentgateway v1.4.1) and refuses the
whole config file when one does not compile. So the API checks each pattern with that engine,
through flpc (Python bindings of the `regex` crate) and answers 422 with Rust's own reason.
flpc 0.2.5 embeds regex 1.10.5 (regex-syntax 0.8.4), agentgateway v1.4.1 regex 1.13.1
(regex-syntax 0.8.11): the parser is the same in both, only the Unicode tables are newer there
(so a `\p{...}` name added to Unicode since would be refused here, never the reverse).

Python's `re` would be wrong both ways: it accepts `\Z`, `(?#...)`, `(?a)`, `\0` or `{usd}`
(Rust does not) and refuses `\p{L}`, `\z` or `(?<name>...)` (Rust compiles them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from controlplane.errors import FieldProblem, Unprocessable

_ERROR_LINE = re.compile(r"^error: (.+)$", re.MULTILINE)
_CARETS = re.compile(r"\^+")
_PATTERN_INDENT = 4
"""regex-syntax prints a one-line pattern indented by four spaces, carets under the fault."""


@dataclass(frozen=True)
class RegexSpec:
    name: str
    pattern: str


def regex_problem(pattern: str) -> str | None:
    """Why agentgateway could not compile this pattern (Rust's reason), or None when it can."""
    # Imported here: the extension module is only needed when a policy is created or changed,
    # and every handler of the Lambda artifact imports this module (cold start).
    import flpc

    try:
        flpc.compile(pattern)
    except UnicodeError:  # a ValueError too: first
        return "is not valid Unicode (a lone surrogate): agentgateway reads UTF-8"
    except ValueError as error:
        return f"agentgateway's regex engine (Rust regex crate) refuses it: {_reason(str(error))}"
    return None


def _reason(message: str) -> str:
    """regex-syntax's diagnostic in one line: its `error:` line and where the fault is."""
    found = _ERROR_LINE.search(message)
    if found is None:  # not a parse error: the compiled size limit, say
        return message.strip()
    reason = found.group(1).strip()
    lines = message.splitlines()
    # A one-line pattern: "regex parse error:", "    <pattern>", "    <carets>", "error: ...".
    if len(lines) == 4 and (carets := _CARETS.search(lines[2])):
        start = carets.start() - _PATTERN_INDENT
        snippet = lines[1][carets.start() : carets.end()]
        return f"{reason} at character {start + 1} ({snippet})"
    return reason


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

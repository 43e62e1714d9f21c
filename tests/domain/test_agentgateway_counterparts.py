"""The render checked with agentgateway's own parsers: Rust regexes, YAML 1.2 scalars, CEL.

`tests/support/agentgateway_readers.py` reads a rendered config the way agentgateway v1.4.1 loads
it (shellexpand, serde_yaml, the `regex` crate, the CEL parser); `assert_sound` in
test_agentgateway_render.py runs it over every golden scenario and every Hypothesis-generated
render. The tests here pin the pieces: the API's regex check, the YAML writer on its own, the
`$` rewriting of custom regexes, and the lists that say which schema fields hold CEL or regexes.
"""

from __future__ import annotations

from typing import Any

import flpc
import pytest
import ryaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from controlplane.domain.agentgateway import _dump_yaml, shell_safe_regex
from controlplane.domain.scanner import regex_problem
from tests.conftest import LambdaApi
from tests.support.agentgateway_readers import (
    CEL_FIELDS,
    ENVIRONMENT_VALUE,
    LITERAL_FIELDS,
    REGEX_FIELDS,
    SPEAKS_OF_CODE,
    ShellExpansionError,
    agentgateway_problems,
    environment_for,
    expanded_document,
    field_description,
    rust_regex_problem,
    shell_expand,
    yaml_problems,
)

# 1. Regexes: the API checks custom patterns with Rust's `regex` crate ----------------------------

RUST_REFUSES = {
    r"total\Z": "unrecognized escape sequence",
    "(?#note)secret": "unrecognized flag",
    r"(?a)\w+": "unrecognized flag",
    "[[x]abc": "unclosed character class",
    r"nul\0byte": "backreferences are not supported",
    "price{usd}": "repetition quantifier expects a valid decimal",
    "a{1000}{1000}": "exceeds size limit",
    "foo(?=bar)": "look-around",
    r"(a)\1": "backreferences are not supported",
}
"""Patterns Python's `re` compiles and agentgateway refuses (with Rust's reason)."""

RUST_ACCEPTS = [
    r"\p{L}+",
    r"end\z",
    "(?<name>x)",
    r"(?P<user>\w+)@corp",
    "[[:alpha:]]+",
    "[a-z&&[^aeiou]]+",
    r"\b{start}word\b{end}",
    "(?x) a b  # a comment with $HOME and [ in it\n c$",
    "a++",
]
"""Patterns agentgateway compiles (several of which Python's `re` refuses or reads otherwise)."""


@pytest.mark.parametrize(("pattern", "reason"), sorted(RUST_REFUSES.items()))
def test_a_pattern_rust_refuses_is_refused_with_rusts_reason(pattern: str, reason: str) -> None:
    problem = regex_problem(pattern)
    assert problem is not None
    assert reason in problem
    assert rust_regex_problem(pattern) is not None, "agentgateway's regex 1.13.1 refuses it too"


@pytest.mark.parametrize("pattern", RUST_ACCEPTS)
def test_a_pattern_rust_compiles_is_accepted(pattern: str) -> None:
    assert regex_problem(pattern) is None
    assert rust_regex_problem(pattern) is None


@pytest.mark.parametrize(("pattern", "reason"), sorted(RUST_REFUSES.items()))
def test_the_api_answers_422_naming_the_pattern(api: LambdaApi, pattern: str, reason: str) -> None:
    rule = {"name": "r1", "pattern": pattern, "action": "mask"}
    answer = api.post("/scanner", {**POLICY, "custom_rules": [rule]})
    assert answer.status == 422, answer.body
    [error] = answer.body["errors"]
    assert error["field"] == "custom_rules[0].pattern"
    assert reason in error["message"]


def test_the_api_takes_rust_syntax_and_the_config_loads(api: LambdaApi) -> None:
    rules = [{"name": f"r{i}", "pattern": p, "action": "mask"} for i, p in enumerate(RUST_ACCEPTS)]
    assert api.post("/scanner", {**POLICY, "custom_rules": rules}).status == 201
    assert api.post("/routing", rule_body("gpt-4o")).status == 201
    config = api.get("/routing/config", query={"format": "json"}).body
    text = api.get("/routing/config").body
    assert agentgateway_problems(text, config) == []


POLICY: dict[str, Any] = {
    "name": "rust-syntax",
    "applies_to": {"mode": "all"},
    "phase": "request",
    "detectors": [],
}


def rule_body(model: str) -> dict[str, Any]:
    return {
        "model": model,
        "strategy": "failover",
        "targets": [{"provider": "openai", "model": model}],
    }


# `$` in a custom regex: agentgateway shell-expands the whole file ---------------------------------

DOLLAR_CASES = [
    ("EMP-[0-9]{6}", "EMP-[0-9]{6}"),
    ("^internal$", "^internal$"),
    (r"\$HOME", r"\x24HOME"),
    ("end$ing", "end(?:$)ing"),
    ("[$HOME]", r"[\x24HOME]"),
    ("[$]USER", "[$]USER"),
    ("[]$x]", r"[]\x24x]"),
    ("[^]$]x$y", "[^]$]x(?:$)y"),
    ("$$x", "(?:$)(?:$)x"),
    ("a$\u00e9", "a(?:$)\u00e9"),
    # Rust, not Python: `[` inside a class opens a nested class ...
    ("[a[$b]]$c", r"[a[\x24b]](?:$)c"),
    ("[[:alpha:]$x]", r"[[:alpha:]\x24x]"),
    # ... a capture name may hold `[` and `]` ...
    ("(?<a[0]>$x)", "(?<a[0]>(?:$)x)"),
    # ... and in `(?x)` mode `#` starts a comment and whitespace is no literal.
    ("(?x) a # note [ $x\n b$c", "(?x) a # note [ \\x24x\n b(?:$)c"),
    ("(?x:[ ]$a]) $b", r"(?x:[ ]\x24a]) (?:$)b"),
    ("(?x)[ ]$a]", r"(?x)[ ]\x24a]"),
    ("(?x)(?-x)[ ]$a]", "(?x)(?-x)[ ](?:$)a]"),
]


@pytest.mark.parametrize(("pattern", "safe"), DOLLAR_CASES)
def test_a_dollar_shell_expansion_would_read_is_rewritten_as_rust_reads_the_pattern(
    pattern: str, safe: str
) -> None:
    assert flpc.compile(pattern)
    assert shell_safe_regex(pattern) == safe
    assert_same_regex(pattern, safe)


# Fragments that make Rust-specific structure likely: classes (nested, POSIX, set operations),
# escapes, capture names with brackets, `(?x)` with comments and spaces, and `$` everywhere.
FRAGMENTS = [
    "a", "b", "x", "_", "1", "é", " ", "\n", "#", "$", "$$", "$a", "${x}", "$é", r"\$", r"\\",
    "[", "]", "[^", "[]", "[$]", "[$a]", "[a[$b]]", "[[:alpha:]$x]", "[a-z&&[^b$c]]", "-",
    "(", ")", "(?:", "(?x)", "(?-x)", "(?x:", "(?i)", "(?<n1>", "(?<n[2]>", "(?P<n3>",
    "|", "*", "+", "?", "{2}", "{1,3}", r"\b", r"\p{L}", r"\x24", ".", "^",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(fragments=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12))
def test_rewriting_dollars_keeps_the_rust_regex(fragments: list[str]) -> None:
    pattern = "".join(fragments)
    assume(rust_regex_problem(pattern) is None)
    safe = shell_safe_regex(pattern)
    assert rust_regex_problem(safe) is None
    assert shell_expand(safe, {}) == safe, "shellexpand leaves it as it is"
    assert_same_regex(pattern, safe)


PROBES = ["", "a", "b", "x", "$", "$a", "$$", "a$", "é", "a\nb", "#", " ", "]", "[", "-", "1", "_"]


def assert_same_regex(pattern: str, safe: str) -> None:
    """Both find the same matches at the same places in haystacks made of the pattern's parts."""
    original, rewritten = flpc.compile(pattern), flpc.compile(safe)
    pairs = (p + q for p in PROBES for q in PROBES)
    haystacks = {*PROBES, *pairs, pattern, pattern.replace("\\", "")}
    for haystack in sorted(haystacks):
        found = [m.span(0) for m in flpc.finditer(original, haystack)]
        assert [m.span(0) for m in flpc.finditer(rewritten, haystack)] == found, haystack


# 2. YAML scalars: every string reads back as itself in YAML 1.1, YAML 1.2 and serde_yaml ----------

TRICKY_STRINGS = [
    # numbers to YAML 1.2 or serde_yaml only
    "1e3", "1E3", "1e-3", "0o17", "0x1F", "+12", "-0x1F", "0b101", ".inf", "-.Inf", ".NaN", "1.",
    ".5", "+.5", "99999999999999999999", "1e400", "0.",
    # numbers, booleans, dates to YAML 1.1 only
    "1_000", "012", "1:20", "190:20:30", "yes", "No", "on", "OFF", "y", "2026-01-01",
    # booleans and nulls to everyone
    "true", "False", "null", "NULL", "~", "",
    # YAML syntax
    "-", "- x", ": x", "a: b", "#x", "a #b", "? x", "!x", "&x", "*x", "%x", "@x", "`x", "|", ">",
    "{x}", "[x]", ",", "<<", "=", "'q'", '"dq"', " lead", "trail ", "it's",
    # escapes, line breaks, non-ASCII
    "back\\slash", "tab\there", "new\nline", "cr\rlf", "\u2028", "\x85", "\ufeff", "caf\u00e9",
    "\U0001f600", "nul\x00",
    # what shellexpand reads
    "$HOME", "${HOME}", "$$", "a$", "[$]", "$\u00e9", "$1", "cost: ${2}",
    "x" * 200,
]  # fmt: skip


@pytest.mark.parametrize("text", TRICKY_STRINGS)
def test_a_string_is_written_so_that_every_yaml_reader_reads_it_back(text: str) -> None:
    document = {"key": text, "list": [text, {"inner": text}], text: "as a key"}
    assert list(read_back_problems(document)) == []


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(st.sampled_from("0123456789+-._eExXoObB:infatyNu ~#$'\"\\\n"), max_size=8)
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
)
def test_any_string_reads_back_as_itself(text: str) -> None:
    document = {"key": text, "list": [text], text: "as a key"}
    assert list(read_back_problems(document)) == []


@pytest.mark.parametrize("model", ["1e3", "0o17", "0x1F", "true", "null", "012", "1:20"])
def test_a_model_named_like_a_number_is_routed_by_that_name(api: LambdaApi, model: str) -> None:
    # GIVEN a rule whose client-facing and provider model names YAML could read as a number
    assert api.post("/routing", rule_body(model)).status == 201
    # WHEN agentgateway would read the published config
    text = api.get("/routing/config").body
    config = api.get("/routing/config", query={"format": "json"}).body
    # THEN it loads, and serde_yaml reads the name as the same string
    assert agentgateway_problems(text, config) == []
    loaded = ryaml.loads(shell_expand(text, environment_for(text, ENVIRONMENT_VALUE)))
    routes = loaded["routeGroups"][0]["routes"]
    names = [
        h["value"].get("exact") for r in routes for m in r["matches"] for h in m.get("headers", [])
    ]
    assert model in names


def read_back_problems(document: dict[str, Any]) -> list[str]:
    """How the YAML readers read `_dump_yaml(document)`, shell-expanded, otherwise than meant:
    a whole-string `${NAME}` is a reference to expand, any other `$` a `$`."""
    written = _dump_yaml(document)
    environment = environment_for(written, ENVIRONMENT_VALUE)
    try:
        expanded = shell_expand(written, environment)
    except ShellExpansionError as error:
        return [f"shellexpand refuses the text: {error}"]
    return list(yaml_problems(expanded, expanded_document(document, environment)))


# 3. Which schema fields hold CEL and regexes -----------------------------------------------------


@pytest.mark.parametrize("field", sorted(CEL_FIELDS | REGEX_FIELDS | LITERAL_FIELDS))
def test_field_lists_agree_with_the_schema(field: str) -> None:
    description = field_description(field)
    assert description is not None, f"agentgateway's schema has no field {field}"
    if field in CEL_FIELDS:
        assert "CEL" in description
    elif field in REGEX_FIELDS:
        assert field.endswith(".regex") or "egular expression" in description
    else:
        assert not SPEAKS_OF_CODE.search(description), "a literal field that speaks of code"

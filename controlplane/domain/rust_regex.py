"""A custom regex made safe from the shell expansion agentgateway runs over its whole config file.

agentgateway passes the file through `shellexpand::full` before parsing it (v1.4.1
`crates/agentgateway/src/config.rs` `parse_config`, `types/local.rs`): `$NAME` (a name is any run
of Unicode alphanumerics and `_`), `${NAME}` and `${NAME:-default}` are replaced by environment
variables, an unset one refuses the whole file, and `$$` becomes `$`. A `$` in a custom regex must
therefore not be followed by a name character, `{` or `$`. `shell_safe_regex` rewrites each such
`$` to what the `regex` crate reads the same way: an end anchor to `(?:$)`, a literal dollar
(escaped, or in a character class) to `\\x24`. The YAML writer escapes every `$` it writes anyway
(`controlplane.domain.agentgateway`); this keeps the document itself, also served as JSON, safe.

Which `$` is which is decided as Rust's parser reads the pattern (`regex-syntax/src/ast/parse.rs`,
regex-syntax 0.8), not as Python's `re` does:

- a `[` inside a class opens a nested class (or a POSIX class `[:alpha:]`, which nests the same
  way), and `]` right after `[`, `[^` (or after spaces and comments in `x` mode) is a member;
- a capture name (`(?<name>`, `(?P<name>`) may contain `[` and `]`;
- in `x` mode (`(?x)`, `(?x:...)`, until `(?-x)` or the end of the group that set it) whitespace
  is ignored everywhere, classes included, and `#` starts a comment that runs to the end of the
  line; a `$` in a comment is rewritten to `\\x24`, which the parser ignores just the same.

Only patterns that compile are rendered (the API checks them with the same crate), so the reader
need not handle errors; it copies everything but the rewritten `$` unchanged.
"""

from __future__ import annotations

_RUST_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Rust's `char::is_whitespace` (Unicode White_Space), what `x` mode skips."""

_ANCHOR = "(?:$)"
_LITERAL_DOLLAR = r"\x24"


def shell_safe_regex(pattern: str) -> str:
    """`pattern` with every `$` that shell expansion would read rewritten; the same Rust regex."""
    if "$" not in pattern:
        return pattern
    return _Reader(pattern).rewritten()


def expands_after(text: str, index: int) -> bool:
    """Whether shellexpand reads the `$` at `text[index]`: followed by a name character (any
    non-ASCII character counts, since Rust's `is_alphanumeric` is Unicode's), `{` or `$`."""
    following = text[index + 1 : index + 2]
    if not following:
        return False
    return following in "{$_" or not following.isascii() or following.isalnum()


class _Reader:
    """One pass over a pattern, keeping track of what decides the meaning of a `$`."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.index = 0
        self.out: list[str] = []
        self.verbose = False
        """The `x` flag is in force."""
        self.groups: list[bool] = []
        """For each open group, the `x` flag to restore when it closes."""
        self.classes = 0
        """How deep in (nested) character classes."""

    def rewritten(self) -> str:
        pattern = self.pattern
        while self.index < len(pattern):
            if self._skip_space():
                continue
            char = pattern[self.index]
            if char == "\\":
                self._escape()
            elif char == "[":
                self._open_class()
            elif self.classes:
                if char == "]":
                    self.classes -= 1
                self._dollar_or_copy(_LITERAL_DOLLAR)
            elif char == "(":
                self._open_group()
            elif char == ")":
                if self.groups:
                    self.verbose = self.groups.pop()
                self._copy(1)
            else:
                self._dollar_or_copy(_ANCHOR)
        return "".join(self.out)

    def _copy(self, count: int) -> None:
        self.out.append(self.pattern[self.index : self.index + count])
        self.index += count

    def _at(self, text: str) -> bool:
        return self.pattern.startswith(text, self.index)

    def _dollar_or_copy(self, replacement: str) -> None:
        if self.pattern[self.index] == "$" and expands_after(self.pattern, self.index):
            self.out.append(replacement)
            self.index += 1
        else:
            self._copy(1)

    def _skip_space(self) -> bool:
        """In `x` mode, copy one run of whitespace or one comment (parse.rs `bump_space`)."""
        if not self.verbose or self.index >= len(self.pattern):
            return False
        char = self.pattern[self.index]
        if char in _RUST_WHITESPACE:
            self._copy(1)
            return True
        if char != "#":
            return False
        end = self.pattern.find("\n", self.index)
        end = len(self.pattern) if end < 0 else end + 1
        while self.index < end:
            self._dollar_or_copy(_LITERAL_DOLLAR)
        return True

    def _skip_spaces(self) -> None:
        while self._skip_space():
            pass

    def _escape(self) -> None:
        """`\\` and the character it escapes; the rest of a longer escape (`\\p{..}`, `\\x{..}`)
        holds no `$`, bracket, parenthesis or `#`, so it is copied as ordinary text."""
        if self.pattern[self.index + 1 : self.index + 2] == "$":
            self.out.append(_LITERAL_DOLLAR)
            self.index += 2
        else:
            self._copy(2)

    def _open_class(self) -> None:
        """`[`, then what parse.rs `parse_set_class_open` treats as members: `^` negates, any
        `-` is a member, and a `]` first (after no `-`) is a member, not the end."""
        self.classes += 1
        self._copy(1)
        self._skip_spaces()
        if self._at("^"):
            self._copy(1)
            self._skip_spaces()
        dashes = False
        while self._at("-"):
            dashes = True
            self._copy(1)
            self._skip_spaces()
        if not dashes and self._at("]"):
            self._copy(1)

    def _open_group(self) -> None:
        """`(`, a capture name or flags (parse.rs `parse_group`, `parse_flags`)."""
        self._copy(1)
        self._skip_spaces()
        self.groups.append(self.verbose)
        if self._at("?P<") or self._at("?<"):
            end = self.pattern.find(">", self.index)
            self._copy((len(self.pattern) if end < 0 else end + 1) - self.index)
        elif self._at("?"):
            start = self.index + 1
            end = start
            while end < len(self.pattern) and self.pattern[end] not in ":)":
                end += 1
            verbose = self._flags(self.pattern[start:end])
            closes = self.pattern[end : end + 1] == ")"
            self._copy(end + 1 - self.index)
            if closes:
                # `(?flags)` is no group: the flags hold until the enclosing group ends.
                self.groups.pop()
            if verbose is not None:
                self.verbose = verbose

    @staticmethod
    def _flags(flags: str) -> bool | None:
        """What `flags` (`ix-s`) sets the `x` flag to, or None when they leave it alone."""
        negated = False
        verbose = None
        for flag in flags:
            if flag == "-":
                negated = True
            elif flag == "x":
                verbose = not negated
        return verbose

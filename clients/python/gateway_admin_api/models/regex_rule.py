from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.scanner_action import ScannerAction, check_scanner_action

T = TypeVar("T", bound="RegexRule")


@_attrs_define
class RegexRule:
    """A custom regular expression and what to do on a match. The pattern is in the syntax of
    Rust's `regex` crate, which agentgateway compiles it with (default size limit 10 MiB):
    no look-around, no back-references, `\\z` (not `\\Z`) for the end of the text; `\\p{L}`,
    `(?<name>...)`, nested classes and `(?x)` are supported. A pattern the crate refuses is
    answered 422 with the crate's reason. agentgateway searches the text with it (anywhere,
    not the whole text): `reject` on any match, `mask` replaces each non-empty match.

        Example:
            {'name': 'internal-hostnames', 'pattern': '[a-z0-9-]+\\\\.corp\\\\.example\\\\.com', 'action': 'mask'}

        Attributes:
            name (str): A name for the rule, unique within the policy.
            pattern (str): The regular expression.
            action (ScannerAction): `mask` replaces the match, `reject` refuses the request, `detect` only records it.
                Example: mask.
    """

    name: str
    pattern: str
    action: ScannerAction

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        pattern = self.pattern

        action: str = self.action

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "pattern": pattern,
                "action": action,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        pattern = d.pop("pattern")

        action = check_scanner_action(d.pop("action"))

        regex_rule = cls(
            name=name,
            pattern=pattern,
            action=action,
        )

        return regex_rule

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RetryPolicy")


@_attrs_define
class RetryPolicy:
    """How often a failed upstream call is retried, and on which statuses.

    Example:
        {'attempts': 2, 'on_status': [429, 503]}

    Attributes:
        attempts (int): Retries after the first call: a request is sent upstream at most `attempts + 1` times
            (the budget check runs before each). 0: no retry. A `failover` rule with more than one
            target needs at least 1: a target is left only after a call to it failed, and only a
            retry sends that request on to the next target (422 otherwise).
        on_status (list[int] | Unset): Upstream statuses that are retried (default 429, 500, 502, 503, 504).
    """

    attempts: int
    on_status: list[int] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        on_status: list[int] | Unset = UNSET
        if not isinstance(self.on_status, Unset):
            on_status = self.on_status

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "attempts": attempts,
            }
        )
        if on_status is not UNSET:
            field_dict["on_status"] = on_status

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        on_status = cast(list[int], d.pop("on_status", UNSET))

        retry_policy = cls(
            attempts=attempts,
            on_status=on_status,
        )

        return retry_policy

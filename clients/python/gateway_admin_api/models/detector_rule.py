from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.detector import Detector, check_detector
from ..models.scanner_action import ScannerAction, check_scanner_action

T = TypeVar("T", bound="DetectorRule")


@_attrs_define
class DetectorRule:
    """A built-in detector and what to do on a match.

    Example:
        {'detector': 'credit_card', 'action': 'mask'}

    Attributes:
        detector (Detector): A built-in detector of sensitive content. Example: email.
        action (ScannerAction): `mask` replaces the match, `reject` refuses the request, `detect` only records it.
            Example: mask.
    """

    detector: Detector
    action: ScannerAction

    def to_dict(self) -> dict[str, Any]:
        detector: str = self.detector

        action: str = self.action

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "detector": detector,
                "action": action,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        detector = check_detector(d.pop("detector"))

        action = check_scanner_action(d.pop("action"))

        detector_rule = cls(
            detector=detector,
            action=action,
        )

        return detector_rule

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.scanner_phase import ScannerPhase, check_scanner_phase
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.applies_to import AppliesTo
    from ..models.bedrock_guardrail import BedrockGuardrail
    from ..models.detector_rule import DetectorRule
    from ..models.regex_rule import RegexRule


T = TypeVar("T", bound="ScannerPolicyUpdate")


@_attrs_define
class ScannerPolicyUpdate:
    """Fields of a policy to change; fields not named are left as they are.

    Example:
        {'enabled': False}

    Attributes:
        name (str | Unset): A policy name, unique among policies. Example: pii-masking.
        description (str | Unset): What the policy protects.
        applies_to (AppliesTo | Unset): Which teams a policy applies to. Example: {'mode': 'teams', 'team_ids':
            ['tm_01jd2x3y4z5a6b7c8d9e0f1g2h']}.
        phase (ScannerPhase | Unset): Where the policy applies: to prompts (`request`), completions (`response`) or
            `both`. Example: request.
        detectors (list[DetectorRule] | Unset): Built-in detectors (replaces the whole list).
        custom_rules (list[RegexRule] | Unset): Custom regular expressions (replaces the whole list).
        bedrock_guardrail (BedrockGuardrail | Unset): An Amazon Bedrock Guardrail to apply. Example: {'identifier':
            'gr7x2k9q4m1a', 'version': '3', 'region': 'us-east-1', 'mode': 'block'}.
        enabled (bool | Unset): Disabled policies are kept but not rendered.
    """

    name: str | Unset = UNSET
    description: str | Unset = UNSET
    applies_to: AppliesTo | Unset = UNSET
    phase: ScannerPhase | Unset = UNSET
    detectors: list[DetectorRule] | Unset = UNSET
    custom_rules: list[RegexRule] | Unset = UNSET
    bedrock_guardrail: BedrockGuardrail | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description = self.description

        applies_to: dict[str, Any] | Unset = UNSET
        if not isinstance(self.applies_to, Unset):
            applies_to = self.applies_to.to_dict()

        phase: str | Unset = UNSET
        if not isinstance(self.phase, Unset):
            phase = self.phase

        detectors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.detectors, Unset):
            detectors = []
            for detectors_item_data in self.detectors:
                detectors_item = detectors_item_data.to_dict()
                detectors.append(detectors_item)

        custom_rules: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.custom_rules, Unset):
            custom_rules = []
            for custom_rules_item_data in self.custom_rules:
                custom_rules_item = custom_rules_item_data.to_dict()
                custom_rules.append(custom_rules_item)

        bedrock_guardrail: dict[str, Any] | Unset = UNSET
        if not isinstance(self.bedrock_guardrail, Unset):
            bedrock_guardrail = self.bedrock_guardrail.to_dict()

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if description is not UNSET:
            field_dict["description"] = description
        if applies_to is not UNSET:
            field_dict["applies_to"] = applies_to
        if phase is not UNSET:
            field_dict["phase"] = phase
        if detectors is not UNSET:
            field_dict["detectors"] = detectors
        if custom_rules is not UNSET:
            field_dict["custom_rules"] = custom_rules
        if bedrock_guardrail is not UNSET:
            field_dict["bedrock_guardrail"] = bedrock_guardrail
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.applies_to import AppliesTo
        from ..models.bedrock_guardrail import BedrockGuardrail
        from ..models.detector_rule import DetectorRule
        from ..models.regex_rule import RegexRule

        d = dict(src_dict)
        name = d.pop("name", UNSET)

        description = d.pop("description", UNSET)

        _applies_to = d.pop("applies_to", UNSET)
        applies_to: AppliesTo | Unset
        if isinstance(_applies_to, Unset):
            applies_to = UNSET
        else:
            applies_to = AppliesTo.from_dict(_applies_to)

        _phase = d.pop("phase", UNSET)
        phase: ScannerPhase | Unset
        if isinstance(_phase, Unset):
            phase = UNSET
        else:
            phase = check_scanner_phase(_phase)

        _detectors = d.pop("detectors", UNSET)
        detectors: list[DetectorRule] | Unset = UNSET
        if _detectors is not UNSET:
            detectors = []
            for detectors_item_data in _detectors:
                detectors_item = DetectorRule.from_dict(detectors_item_data)

                detectors.append(detectors_item)

        _custom_rules = d.pop("custom_rules", UNSET)
        custom_rules: list[RegexRule] | Unset = UNSET
        if _custom_rules is not UNSET:
            custom_rules = []
            for custom_rules_item_data in _custom_rules:
                custom_rules_item = RegexRule.from_dict(custom_rules_item_data)

                custom_rules.append(custom_rules_item)

        _bedrock_guardrail = d.pop("bedrock_guardrail", UNSET)
        bedrock_guardrail: BedrockGuardrail | Unset
        if isinstance(_bedrock_guardrail, Unset):
            bedrock_guardrail = UNSET
        else:
            bedrock_guardrail = BedrockGuardrail.from_dict(_bedrock_guardrail)

        enabled = d.pop("enabled", UNSET)

        scanner_policy_update = cls(
            name=name,
            description=description,
            applies_to=applies_to,
            phase=phase,
            detectors=detectors,
            custom_rules=custom_rules,
            bedrock_guardrail=bedrock_guardrail,
            enabled=enabled,
        )

        return scanner_policy_update

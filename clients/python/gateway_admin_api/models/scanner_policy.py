from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.scanner_phase import ScannerPhase, check_scanner_phase
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.applies_to import AppliesTo
    from ..models.bedrock_guardrail import BedrockGuardrail
    from ..models.detector_rule import DetectorRule
    from ..models.regex_rule import RegexRule


T = TypeVar("T", bound="ScannerPolicy")


@_attrs_define
class ScannerPolicy:
    """A guardrail policy.

    Example:
        {'policy_id': 'sp_01jd2x3y4z5a6b7c8d9e0f1g2h', 'name': 'pii-masking', 'applies_to': {'mode': 'all', 'team_ids':
            []}, 'phase': 'both', 'detectors': [{'detector': 'email', 'action': 'mask'}], 'custom_rules': [], 'enabled':
            True, 'created_at': '2026-11-22T14:05:00Z', 'updated_at': '2026-11-22T14:05:00Z'}

    Attributes:
        policy_id (str): A scanner policy id, assigned by the control plane. Example: sp_01jd2x3y4z5a6b7c8d9e0f1g2h.
        name (str): A policy name, unique among policies. Example: pii-masking.
        applies_to (AppliesTo): Which teams a policy applies to. Example: {'mode': 'teams', 'team_ids':
            ['tm_01jd2x3y4z5a6b7c8d9e0f1g2h']}.
        phase (ScannerPhase): Where the policy applies: to prompts (`request`), completions (`response`) or `both`.
            Example: request.
        detectors (list[DetectorRule]): Built-in detectors.
        custom_rules (list[RegexRule]): Custom regular expressions.
        enabled (bool): Disabled policies are kept but not rendered.
        created_at (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
        updated_at (datetime.datetime): A UTC timestamp (RFC 3339). Example: 2026-11-22T14:05:00Z.
        description (str | Unset): What the policy protects.
        bedrock_guardrail (BedrockGuardrail | Unset): An Amazon Bedrock Guardrail to apply. Example: {'identifier':
            'gr7x2k9q4m1a', 'version': '3', 'region': 'us-east-1', 'mode': 'block'}.
    """

    policy_id: str
    name: str
    applies_to: AppliesTo
    phase: ScannerPhase
    detectors: list[DetectorRule]
    custom_rules: list[RegexRule]
    enabled: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    description: str | Unset = UNSET
    bedrock_guardrail: BedrockGuardrail | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        policy_id = self.policy_id

        name = self.name

        applies_to = self.applies_to.to_dict()

        phase: str = self.phase

        detectors = []
        for detectors_item_data in self.detectors:
            detectors_item = detectors_item_data.to_dict()
            detectors.append(detectors_item)

        custom_rules = []
        for custom_rules_item_data in self.custom_rules:
            custom_rules_item = custom_rules_item_data.to_dict()
            custom_rules.append(custom_rules_item)

        enabled = self.enabled

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        description = self.description

        bedrock_guardrail: dict[str, Any] | Unset = UNSET
        if not isinstance(self.bedrock_guardrail, Unset):
            bedrock_guardrail = self.bedrock_guardrail.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "policy_id": policy_id,
                "name": name,
                "applies_to": applies_to,
                "phase": phase,
                "detectors": detectors,
                "custom_rules": custom_rules,
                "enabled": enabled,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if bedrock_guardrail is not UNSET:
            field_dict["bedrock_guardrail"] = bedrock_guardrail

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.applies_to import AppliesTo
        from ..models.bedrock_guardrail import BedrockGuardrail
        from ..models.detector_rule import DetectorRule
        from ..models.regex_rule import RegexRule

        d = dict(src_dict)
        policy_id = d.pop("policy_id")

        name = d.pop("name")

        applies_to = AppliesTo.from_dict(d.pop("applies_to"))

        phase = check_scanner_phase(d.pop("phase"))

        detectors = []
        _detectors = d.pop("detectors")
        for detectors_item_data in _detectors:
            detectors_item = DetectorRule.from_dict(detectors_item_data)

            detectors.append(detectors_item)

        custom_rules = []
        _custom_rules = d.pop("custom_rules")
        for custom_rules_item_data in _custom_rules:
            custom_rules_item = RegexRule.from_dict(custom_rules_item_data)

            custom_rules.append(custom_rules_item)

        enabled = d.pop("enabled")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        description = d.pop("description", UNSET)

        _bedrock_guardrail = d.pop("bedrock_guardrail", UNSET)
        bedrock_guardrail: BedrockGuardrail | Unset
        if isinstance(_bedrock_guardrail, Unset):
            bedrock_guardrail = UNSET
        else:
            bedrock_guardrail = BedrockGuardrail.from_dict(_bedrock_guardrail)

        scanner_policy = cls(
            policy_id=policy_id,
            name=name,
            applies_to=applies_to,
            phase=phase,
            detectors=detectors,
            custom_rules=custom_rules,
            enabled=enabled,
            created_at=created_at,
            updated_at=updated_at,
            description=description,
            bedrock_guardrail=bedrock_guardrail,
        )

        scanner_policy.additional_properties = d
        return scanner_policy

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

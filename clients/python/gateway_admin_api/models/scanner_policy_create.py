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


T = TypeVar("T", bound="ScannerPolicyCreate")


@_attrs_define
class ScannerPolicyCreate:
    """A guardrail policy to create.

    Example:
        {'name': 'pii-masking', 'applies_to': {'mode': 'all'}, 'phase': 'both', 'detectors': [{'detector': 'email',
            'action': 'mask'}, {'detector': 'credit_card', 'action': 'reject'}], 'custom_rules': [{'name': 'internal-
            hostnames', 'pattern': '[a-z0-9-]+\\\\.corp\\\\.example\\\\.com', 'action': 'mask'}], 'enabled': True}

    Attributes:
        name (str): A policy name, unique among policies. Example: pii-masking.
        applies_to (AppliesTo): Which teams a policy applies to. Example: {'mode': 'teams', 'team_ids':
            ['tm_01jd2x3y4z5a6b7c8d9e0f1g2h']}.
        phase (ScannerPhase): Where the policy applies: to prompts (`request`), completions (`response`) or `both`.
            Example: request.
        description (str | Unset): What the policy protects.
        detectors (list[DetectorRule] | Unset): Built-in detectors; each detector at most once.
        custom_rules (list[RegexRule] | Unset): Custom regular expressions; names unique within the policy.
        bedrock_guardrail (BedrockGuardrail | Unset): An Amazon Bedrock Guardrail to apply. Example: {'identifier':
            'gr7x2k9q4m1a', 'version': '3', 'region': 'us-east-1', 'mode': 'block'}.
        enabled (bool | Unset): Disabled policies are kept but not rendered (default true).
    """

    name: str
    applies_to: AppliesTo
    phase: ScannerPhase
    description: str | Unset = UNSET
    detectors: list[DetectorRule] | Unset = UNSET
    custom_rules: list[RegexRule] | Unset = UNSET
    bedrock_guardrail: BedrockGuardrail | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        applies_to = self.applies_to.to_dict()

        phase: str = self.phase

        description = self.description

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

        field_dict.update(
            {
                "name": name,
                "applies_to": applies_to,
                "phase": phase,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
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
        name = d.pop("name")

        applies_to = AppliesTo.from_dict(d.pop("applies_to"))

        phase = check_scanner_phase(d.pop("phase"))

        description = d.pop("description", UNSET)

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

        scanner_policy_create = cls(
            name=name,
            applies_to=applies_to,
            phase=phase,
            description=description,
            detectors=detectors,
            custom_rules=custom_rules,
            bedrock_guardrail=bedrock_guardrail,
            enabled=enabled,
        )

        return scanner_policy_create

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.bedrock_guardrail_mode import BedrockGuardrailMode, check_bedrock_guardrail_mode

T = TypeVar("T", bound="BedrockGuardrail")


@_attrs_define
class BedrockGuardrail:
    """An Amazon Bedrock Guardrail to apply.

    Example:
        {'identifier': 'gr7x2k9q4m1a', 'version': '3', 'region': 'us-east-1', 'mode': 'block'}

    Attributes:
        identifier (str): The guardrail id, or its ARN (then `region` must be the ARN's region, 422 otherwise).
            The gateway calls the guardrail by its id with its own AWS credentials, so the
            guardrail must be in the gateway's AWS account.
        version (str): The guardrail version (`DRAFT` or a number).
        region (str): The guardrail's region.
        mode (BedrockGuardrailMode): `block` refuses content the guardrail flags; `detect` only records it. Example:
            block.
    """

    identifier: str
    version: str
    region: str
    mode: BedrockGuardrailMode

    def to_dict(self) -> dict[str, Any]:
        identifier = self.identifier

        version = self.version

        region = self.region

        mode: str = self.mode

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "identifier": identifier,
                "version": version,
                "region": region,
                "mode": mode,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        identifier = d.pop("identifier")

        version = d.pop("version")

        region = d.pop("region")

        mode = check_bedrock_guardrail_mode(d.pop("mode"))

        bedrock_guardrail = cls(
            identifier=identifier,
            version=version,
            region=region,
            mode=mode,
        )

        return bedrock_guardrail

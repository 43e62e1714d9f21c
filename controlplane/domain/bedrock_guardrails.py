"""Bedrock Guardrail identifiers: an id or an ARN in the API, always the bare id in the config.

AWS's own ApplyGuardrail API takes either form, and the console shows the ARN first, so the API
accepts both. agentgateway v1.4.1 does not encode the identifier: it writes it into the request
path as given (`crates/agentgateway/src/llm/policy/bedrock_guardrails.rs`,
`format!("/guardrail/{}/version/{}/apply", ...)`), so an ARN's `:` and `/` would make every call
fail. The render therefore writes the ARN's id, and calls the guardrail in the ARN's region. The
ARN's account is not passed on: agentgateway calls the id with its own AWS credentials, so the
guardrail must be in the account agentgateway runs as.
"""

from __future__ import annotations

import re

from controlplane.errors import Unprocessable, field_error

_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):bedrock:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12})"
    r":guardrail/(?P<id>[a-z0-9]{1,64})"
)
"""The ARN form the contract's `BedrockGuardrail.identifier` pattern allows."""


def guardrail_id(identifier: str) -> str:
    """The bare guardrail id of an id or an ARN."""
    arn = _ARN.fullmatch(identifier)
    return arn["id"] if arn else identifier


def guardrail_region(identifier: str, region: str) -> str:
    """The region the guardrail lives in: the ARN's, else the one the policy names."""
    arn = _ARN.fullmatch(identifier)
    return arn["region"] if arn else region


def check_bedrock_guardrail(identifier: str, region: str) -> None:
    """Raise 422 when an ARN names another region than the policy's `region`."""
    arn_region = guardrail_region(identifier, region)
    if arn_region != region:
        raise field_error(
            Unprocessable,
            "bedrock_guardrail.region",
            f"must be the region of the guardrail ARN ({arn_region})",
        )

from typing import Literal

BedrockGuardrailMode = Literal["block", "detect"]

BEDROCK_GUARDRAIL_MODE_VALUES: set[BedrockGuardrailMode] = {
    "block",
    "detect",
}


def check_bedrock_guardrail_mode(value: str) -> BedrockGuardrailMode:
    if value in BEDROCK_GUARDRAIL_MODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {BEDROCK_GUARDRAIL_MODE_VALUES!r}"
    )

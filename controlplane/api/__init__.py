"""The contract-driven operation layer shared by the Lambda and local adapters."""

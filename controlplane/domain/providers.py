"""The LLM providers the gateway can route to, and what each needs."""

from __future__ import annotations

PROVIDERS = ("anthropic", "azure", "bedrock", "gemini", "openai", "vertex")
"""Every provider name the API accepts."""

REGIONAL_PROVIDERS = frozenset({"bedrock", "vertex"})
"""Providers whose targets must name a region."""


def is_known_provider(name: str) -> bool:
    return name in PROVIDERS


def unknown_provider_message(name: str) -> str:
    return f"unknown provider {name!r}; use one of {', '.join(PROVIDERS)}"

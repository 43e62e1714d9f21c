"""Control plane of a self-hosted LLM gateway: domain, store, identity, API adapters and CLI."""

"""Thin edges: API Gateway proxy events, the local connexion app, the CLI."""

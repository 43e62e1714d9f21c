"""A client library for accessing LLM Gateway Control Plane — Admin API"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)

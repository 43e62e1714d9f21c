"""The store port, its two adapters and the repositories on top of it."""

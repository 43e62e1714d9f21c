"""`gatewayctl`: run and operate the control plane from a terminal.

One module per command group; `app` holds the root group and what every command shares,
`api`/`profiles`/`output` what the admin API commands share (the generated client of a profile,
failures as one line, tables or JSON/YAML). The admin API commands call the API only through the
generated client (`clients/python`); `serve`, `usage ingest`, `config render`, `dev` and
`doctor` work on the data dir's store directly. Reference: docs/gatewayctl.md.
"""

from __future__ import annotations

# Importing a command module registers its commands on `main`.
from controlplane.cli import (  # noqa: F401
    audit,
    budget_check,
    budgets,
    completion,
    config,
    dev,
    doctor,
    policies,
    prices,
    routes,
    serve,
    teams,
    usage,
)
from controlplane.cli.app import main
from controlplane.cli.usage import log_to_terminal

__all__ = ["log_to_terminal", "main"]

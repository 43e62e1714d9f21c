"""What every Lambda's `lambda_handler` does around its work: our log format, and its metrics.

- Logs: the runtime's root handler gets `JsonFormatter` (`controlplane.logs`); no handler is
  added, so each record stays one CloudWatch Logs event.
- Metrics: what the invocation recorded in `controlplane.metrics.REGISTRY` is written at its end
  as embedded-metric-format lines on stdout (usually one; none when nothing was recorded, as for
  a CloudWatch Logs control message), in `GATEWAY_METRICS_NAMESPACE` with the dimension
  `service` = `GATEWAY_METRICS_SERVICE`. Written in `finally`, so an invocation that raised still
  reports what it did; one that times out reports nothing (Lambda stops it mid-way).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from controlplane.logs import adopt_lambda_logging
from controlplane.metrics import REGISTRY, flush_emf
from controlplane.settings import Settings

Result = TypeVar("Result")


@functools.cache
def emf_target() -> tuple[str, str]:
    """(namespace, service) of this function's metrics, read once per cold start."""
    settings = Settings.from_env()
    return settings.metrics_namespace, settings.metrics_service


def lambda_entry(
    handler: Callable[[dict[str, Any], Any], Result],
) -> Callable[[dict[str, Any], Any], Result]:
    """`handler` as a Lambda entry point (see the module docstring)."""

    @functools.wraps(handler)
    def lambda_handler(event: dict[str, Any], context: Any) -> Result:
        adopt_lambda_logging()
        REGISTRY.keep_observations = True
        try:
            return handler(event, context)
        finally:
            namespace, service = emf_target()
            flush_emf(namespace, service)

    return lambda_handler

"""Log lines as JSON objects, one per line, locally and on Lambda; and the line of each request.

`JsonFormatter` is the one format: `timestamp` (UTC, milliseconds), `level`, `logger`, `message`,
then every field the record was given with `extra=` (a request's `request_id`, `operation_id`,
`status`, `duration_ms`, `client_id`; an ingested batch's `ingest`; …), then `exception` with the
traceback when there is one.

Where it is installed:
- `gatewayctl serve`: one `JsonLinesHandler` on stderr, the root logger's only handler, for the
  whole process, uvicorn's own loggers included (its access log is off: `log_request` writes the
  one line of each request, `controlplane.adapters.local.RequestLog`).
- Lambda (`adopt_lambda_logging`, at each invocation): Python's runtime has already put its
  handler on the root logger, which sends each record to CloudWatch Logs as one event. Adding a
  handler would log every record twice; the formatter of the runtime's handler is replaced instead.

`log_request` writes a request's one line. It costs about half of what the two lines of before
did (ours and uvicorn's access log): the record is built without `Logger.info`'s walk up the stack
for the caller's file and line (`findCaller`; the line does not show them), and
`JsonLinesHandler` formats outside its lock, which it holds only to write.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any, TextIO

ACCESS_LOG = logging.getLogger("controlplane.access")
"""The logger of the one line per request."""

_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's message again, with terminal colour codes
}
"""What every LogRecord has (or repeats); anything else came from `extra=` and is logged."""


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON (see the module docstring for the fields)."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _timestamp(self, created: float) -> str:
        # strftime is most of the cost of a timestamp, and consecutive lines share their second.
        second = int(created)
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "timestamp": self._timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            # Private attributes and unset ones (Lambda's runtime sets `tenant_id = None`) are
            # nobody's field.
            if key not in _RECORD_FIELDS and value is not None and not key.startswith("_"):
                document[key] = value
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            document["stack"] = self.formatStack(record.stack_info)
        return json.dumps(document, default=str, separators=(",", ":"))


class JsonLinesHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record as one line to a stream, formatting it before taking the lock: threads
    logging at once wait only for each other's write, not for each other's formatting."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self.setFormatter(JsonFormatter())

    def handle(self, record: logging.LogRecord) -> bool:
        if not self.filter(record):
            return False
        try:
            line = self.format(record) + "\n"
        except Exception:
            self.handleError(record)
            return True
        with self.lock:  # type: ignore[union-attr]
            try:
                self.stream.write(line)
                self.stream.flush()
            except Exception:
                self.handleError(record)
        return True


def adopt_lambda_logging() -> None:
    """On Lambda, give the runtime's root handler(s) our format; elsewhere (tests running a
    handler, a script) leave logging alone. The level stays Lambda's (its log-level setting)."""
    if "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:
        return
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(JsonFormatter())


def log_request(
    method: str,
    path: str,
    status: int | None,
    seconds: float,
    request_id: str,
    *,
    operation_id: str | None = None,
    client_id: str | None = None,
    **fields: object,
) -> None:
    """The one line of a request: `status` None when the client left before an answer."""
    if not ACCESS_LOG.isEnabledFor(logging.INFO):
        return
    record = logging.LogRecord(
        ACCESS_LOG.name, logging.INFO, "", 0, "%s %s %s", (method, path, status), None
    )
    record.__dict__.update(
        method=method,
        path=path,
        status=status,
        duration_ms=round(seconds * 1000, 2),
        request_id=request_id,
        operation_id=operation_id,
        client_id=client_id,
        **fields,
    )
    ACCESS_LOG.handle(record)

"""Send a request again when that is safe: the transport `connect()` puts under the API client.

A request is sent again, up to `retries` times, when
- the connection could not be made (`ConnectError`, `ConnectTimeout`, `PoolTimeout`): the server
  never saw it, whatever the method;
- the answer is 429 or 503: the API did nothing ("retry later"), whatever the method; the wait
  is the answer's `Retry-After` when it gives one (an answer asking for longer than `max_delay`
  is returned as it is);
- the answer was lost on the way back (a read timeout, a dropped connection) and the request is
  safe to repeat: a GET/HEAD/OPTIONS, or a request with an `Idempotency-Key`, which the API
  answers by replaying the first answer. The generated creating operations always send one.

It is the same `httpx.Request` that is sent again, with the same headers, so a create is retried
with the same `Idempotency-Key`. PUT and DELETE are not repeated after a lost answer: their
`If-Match` would make the repeat fail with 412 after a success.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

RETRY_STATUSES = frozenset({429, 503})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RetryTransport(httpx.BaseTransport):
    """Wraps another transport; waits `backoff`, 2 * `backoff`, ... between attempts."""

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        *,
        retries: int = 2,
        backoff: float = 0.5,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._transport = transport or httpx.HTTPTransport()
        self.retries = retries
        self.backoff = backoff
        self.max_delay = max_delay
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self._transport.handle_request(request)
            except httpx.TransportError as error:
                if attempt >= self.retries or not _may_send_again(request, error):
                    raise
                delay = self._backoff(attempt)
            else:
                if attempt >= self.retries or response.status_code not in RETRY_STATUSES:
                    return response
                asked = _retry_after(response)
                if asked is not None and asked > self.max_delay:
                    return response
                delay = self._backoff(attempt) if asked is None else asked
                response.close()
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        self._transport.close()

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_delay, self.backoff * 2**attempt))


def _may_send_again(request: httpx.Request, error: httpx.TransportError) -> bool:
    if isinstance(error, NOT_SENT):
        return True
    return request.method in SAFE_METHODS or "Idempotency-Key" in request.headers


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: use the backoff instead

"""A header timeout for uvicorn, which has none (slowloris).

uvicorn's `timeout_keep_alive` only runs between a response and the next request's first byte,
and any byte cancels it: a client that sends a partial request head (or trickles one byte at a
time) holds its connection, and a slot of the server, forever. `h11_max_incomplete_event_size`
bounds how large a head may grow, not how long it may take.

`HeaderTimeoutProtocol` is uvicorn's own HTTP protocol (httptools when installed, else h11) with
one more timer: armed when the connection opens and again when a response completes, disarmed
when a request head is complete. When it fires while the server still waits for a head, the
connection is closed. Only the head is timed: a request's body and the application's work are
not (a slow body is bounded by the body size limit, not by time).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol


def header_timeout_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class, closing connections whose request head is not complete
    `seconds` after the connection opened or the previous response ended."""

    class HeaderTimeoutProtocol(AutoHTTPProtocol):  # type: ignore[valid-type,misc]
        _head_timer: asyncio.TimerHandle | None = None
        _timed_cycle: Any = None

        def _waiting_for_head(self) -> bool:
            cycle = self.cycle
            return cycle is None or cycle is self._timed_cycle or cycle.response_complete

        def _arm(self) -> None:
            self._disarm()
            if not self.transport.is_closing():
                self._timed_cycle = self.cycle
                self._head_timer = self.loop.call_later(seconds, self._head_timed_out)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self._waiting_for_head() and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._head_timer is not None and not self._waiting_for_head():
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self._waiting_for_head():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol

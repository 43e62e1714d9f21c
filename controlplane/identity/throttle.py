"""Throttling failed client authentications at the local token endpoint, as Cognito does.

Cognito locks a sign-in out after five failed attempts, for 1 s, doubling with each further
failure up to about 15 minutes; it answers too many requests with HTTP 429. The local stand-in
applies the same policy to client secrets, per client id:

- the first `free_failures` (5) failures cost nothing; after the 5th, every attempt for that
  client (right or wrong secret: a right one must not be told apart, or the lockout would be an
  oracle) is answered 429 for 1 s, after the 6th for 2 s, then 4, 8… capped at 15 minutes;
  attempts during a lockout are not checked and do not lengthen it;
- a success forgets the client's failures; so does `forget_after_seconds` (15 minutes) without
  a failure once the last lockout has ended;
- while a client has failures, its attempts in flight are limited too (to the free failures it
  has left, at least one), so a burst of concurrent guesses cannot outrun the count; a client
  without failures is never limited, so a fleet sharing one client can fetch tokens at once;
- unknown client ids are throttled the same way but kept apart, under a 16-byte hash of the id
  (an id of any length costs the same), in a table of at most `max_unknown_clients` entries that
  evicts the least recently failed: a flood of made-up ids cannot fill memory, nor evict the
  state of a real client (known clients are bounded by the clients in the store).

Secrets are 256 random bits, so this is not what keeps them from being guessed; it keeps the
endpoint's cost and behaviour those of Cognito. The state is per process (the local server is
one process): a restart forgets it. The price is Cognito's too: whoever knows a client id can
lock that client out for up to 15 minutes by sending wrong secrets.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5
    first_lockout_seconds: float = 1.0
    max_lockout_seconds: float = 15 * 60.0
    forget_after_seconds: float = 15 * 60.0
    max_unknown_clients: int = 10_000


@dataclass
class _State:
    failures: int = 0
    in_flight: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0


class Throttled(Exception):
    """Too many failed attempts for this client: retry after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.1f} s")
        self.retry_after = retry_after

    @property
    def retry_after_header(self) -> str:
        """Whole seconds, at least 1 (the `Retry-After` header has no fractions)."""
        return str(max(1, math.ceil(self.retry_after)))


@dataclass
class Attempt:
    """One authentication attempt let through; `release` it when it is over."""

    client_id: str
    state: _State | None
    released: bool = False


class FailedAttemptThrottle:
    """Per-client failed-attempt counters with exponential lockouts (see the module docstring)."""

    def __init__(
        self,
        policy: ThrottlePolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or ThrottlePolicy()
        self.clock = clock
        self._known: OrderedDict[Hashable, _State] = OrderedDict()
        self._unknown: OrderedDict[Hashable, _State] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._known) + len(self._unknown)

    @staticmethod
    def _unknown_key(client_id: str) -> bytes:
        return hashlib.blake2b(client_id.encode(errors="surrogatepass"), digest_size=16).digest()

    def _expired(self, state: _State, now: float) -> bool:
        quiet_since = max(state.locked_until, state.last_failure)
        return state.in_flight == 0 and now >= quiet_since + self.policy.forget_after_seconds

    def _sweep(self, table: OrderedDict[Hashable, _State], now: float) -> None:
        # Entries are ordered by last failure: drop the forgotten ones from the front.
        while table:
            key, state = next(iter(table.items()))
            if not self._expired(state, now):
                return
            del table[key]

    def _find(self, client_id: str, now: float) -> _State | None:
        for table, key in (
            (self._known, client_id),
            (self._unknown, self._unknown_key(client_id)),
        ):
            state = table.get(key)
            if state is not None:
                if self._expired(state, now):
                    del table[key]
                    return None
                return state
        return None

    def begin(self, client_id: str) -> Attempt:
        """Let an attempt go ahead, or raise `Throttled`."""
        with self._lock:
            now = self.clock()
            self._sweep(self._known, now)
            self._sweep(self._unknown, now)
            state = self._find(client_id, now)
            if state is None:
                return Attempt(client_id, None)
            if now < state.locked_until:
                raise Throttled(state.locked_until - now)
            if state.in_flight >= max(1, self.policy.free_failures - state.failures):
                raise Throttled(self.policy.first_lockout_seconds)
            state.in_flight += 1
            return Attempt(client_id, state)

    def release(self, attempt: Attempt) -> None:
        """The attempt is over (whatever its outcome); idempotent."""
        with self._lock:
            if not attempt.released and attempt.state is not None:
                attempt.state.in_flight -= 1
            attempt.released = True

    def succeeded(self, attempt: Attempt) -> None:
        """The right secret: the client's failures are forgotten."""
        with self._lock:
            self._known.pop(attempt.client_id, None)
            self._unknown.pop(self._unknown_key(attempt.client_id), None)

    def failed(self, attempt: Attempt, *, client_known: bool) -> None:
        """A wrong secret (or an unknown client id): count it, and lock out past the free ones."""
        with self._lock:
            now = self.clock()
            table = self._known if client_known else self._unknown
            key: Hashable = (
                attempt.client_id if client_known else self._unknown_key(attempt.client_id)
            )
            state = table.get(key)
            if state is None:
                state = table[key] = _State()
                if not client_known:
                    while len(table) > self.policy.max_unknown_clients:
                        table.popitem(last=False)
            table.move_to_end(key)
            state.failures += 1
            state.last_failure = now
            excess = state.failures - self.policy.free_failures
            if excess >= 0:
                lockout = min(
                    self.policy.max_lockout_seconds,
                    self.policy.first_lockout_seconds * 2 ** min(excess, 40),
                )
                state.locked_until = max(state.locked_until, now + lockout)

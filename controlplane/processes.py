"""Which process holds something (a reservation, an announcement), and whether it still runs.

Work a crashed process left half-done can be taken over at once when that process is known to be
gone; otherwise only once its deadline has passed. Only a process of this host can be known gone.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def this_process() -> str:
    """`host:pid` of the running process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_gone(owner: str) -> bool:
    """Whether `owner` (`host:pid`) is a process of this host that no longer runs."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return not pid_running(int(pid))


def pid_running(pid: int) -> bool:
    """Whether a process of this host has `pid` (a reused pid counts: the caller errs on the side
    of waiting)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, as another user
    return True


@contextmanager
def on_stop_signals(handle: Callable[[int, object], None]) -> Iterator[None]:
    """Call `handle` on SIGTERM and SIGINT while the block runs, then restore the handlers that
    were installed. Only the main thread can install handlers: elsewhere this does nothing (the
    caller stops the work itself)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)

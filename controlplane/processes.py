"""Which process holds something (a reservation, an announcement), and whether it still runs.

Work a crashed process left half-done can be taken over at once when that process is known to be
gone; otherwise only once its deadline has passed. Only a process of this host can be known gone.
"""

from __future__ import annotations

import os
import socket


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

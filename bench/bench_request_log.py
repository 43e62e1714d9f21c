"""What logging a request costs the local server: the one JSON line of now against the two lines
of before (the dispatcher's text line and uvicorn's access line), in process, written to
/dev/null so that only the Python side is measured.

Before is rebuilt here as it ran: the root logger's `basicConfig` text handler, the dispatcher's
`log.info(..., extra=...)`, and uvicorn's access logger with its own handler and formatter. After
is `controlplane.logs.log_request` through a `JsonLinesHandler` (what `gatewayctl serve` installs).
Both are timed on one thread and on 20 threads at once (the contention issue 13 names).

Run: `.venv/bin/python bench/bench_request_log.py [--rounds N]`
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import threading
import time
import timeit
from collections.abc import Callable
from typing import TextIO

from uvicorn.logging import AccessFormatter

from controlplane.logs import JsonLinesHandler, log_request

PATH = "/teams/tm_01m8t7c8mw70fpe88mrwznx1ha"
CLIENT_ID = "xd5a6m5d2y6hvid6zuaxmhfr2n"
REQUEST_ID = "742654ce-6fef-409b-bc66-6d37ae78bfcc"
THREADS = 20

root = logging.getLogger()
dispatcher_log = logging.getLogger("controlplane.api")
access_log = logging.getLogger("uvicorn.access")


def use_before(sink: TextIO) -> None:
    text = logging.StreamHandler(sink)
    text.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.handlers[:] = [text]
    access = logging.StreamHandler(sink)
    access.setFormatter(
        AccessFormatter(
            fmt='%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            use_colors=False,
        )
    )
    access_log.handlers[:] = [access]
    access_log.propagate = False


def before() -> None:
    dispatcher_log.info(
        "%s %s -> %d",
        "getTeam",
        PATH,
        200,
        extra={
            "operation_id": "getTeam",
            "status": 200,
            "client_id": CLIENT_ID,
            "request_id": REQUEST_ID,
            "duration_ms": 1.23,
        },
    )
    access_log.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:51234", "GET", PATH, "1.1", 200)


def use_after(sink: TextIO) -> None:
    root.handlers[:] = [JsonLinesHandler(sink)]
    access_log.handlers[:] = []


def after() -> None:
    log_request("GET", PATH, 200, 0.00123, REQUEST_ID, operation_id="getTeam", client_id=CLIENT_ID)


def one_thread(log: Callable[[], None]) -> float:
    """µs per request, best of 3 runs of 5,000."""
    return min(timeit.repeat(log, number=5000, repeat=3)) / 5000 * 1e6


def many_threads(log: Callable[[], None], per_thread: int = 1000) -> float:
    """µs of wall time per request while THREADS threads log at once."""

    def work() -> None:
        for _ in range(per_thread):
            log()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.perf_counter() - started) / (THREADS * per_thread) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    root.setLevel(logging.INFO)
    access_log.setLevel(logging.INFO)
    figures: dict[str, list[float]] = {}
    with open("/dev/null", "w") as sink:
        for _ in range(args.rounds):  # alternate, so the machine's drift hits both alike
            for name, use, log in (("before", use_before, before), ("after", use_after, after)):
                use(sink)
                figures.setdefault(f"{name}, 1 thread", []).append(one_thread(log))
                figures.setdefault(f"{name}, {THREADS} threads", []).append(many_threads(log))
    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(f"logging one request, median of {args.rounds} rounds (µs per request)")
    for name, value in medians.items():
        print(f"  {name:<22} {value:7.1f}")
    for threads in ("1 thread", f"{THREADS} threads"):
        ratio = medians[f"after, {threads}"] / medians[f"before, {threads}"]
        print(f"after / before, {threads}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

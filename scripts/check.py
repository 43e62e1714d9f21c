"""Every check of the project, in order; exits non-zero if any fails. Run it with `make test`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

CHECKS: list[tuple[str, list[str]]] = [
    ("ruff lint", [str(BIN / "ruff"), "check", "."]),
    ("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
    ("mypy", [str(BIN / "mypy")]),
    ("openapi-spec-validator", [str(BIN / "openapi-spec-validator"), "openapi.yaml"]),
    ("webhook contract", [str(BIN / "openapi-spec-validator"), "hooks.openapi.yaml"]),
    ("generated/ is current", [str(BIN / "datamodel-codegen"), "--check"]),
    ("clients/python is current", [sys.executable, "scripts/generate_client.py", "--check"]),
    # Two workers: CI has two cores, and the suite takes half the time (each test is isolated:
    # its own data dir, free ports, module-scoped servers per worker).
    ("tests", [sys.executable, "-m", "pytest", "tests", "-n", "2"]),
    ("contract tests (Schemathesis)", [sys.executable, "-m", "pytest", "contract-tests"]),
]


def main() -> int:
    only = set(sys.argv[1:])
    failed = []
    for name, command in CHECKS:
        if only and not any(word in name for word in only):
            continue
        shown = " ".join([Path(command[0]).name, *command[1:]])
        print(f"\n=== {name}: {shown}", flush=True)
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - our own fixed commands
            command, cwd=ROOT, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=False
        )
        took = time.monotonic() - started
        status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        print(f"=== {name}: {status} in {took:.1f}s", flush=True)
        if result.returncode != 0:
            failed.append(name)
    print()
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    print("All checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

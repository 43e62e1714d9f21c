"""Generate the Python client's `clients/python/gateway_admin_api/` from `openapi.yaml`, or check
that the committed one is what the generator makes of the contract as it is now.

    python scripts/generate_client.py           regenerate (what `make generate` runs)
    python scripts/generate_client.py --check   exit 1, naming the differences, if it is stale

The generator is openapi-python-client (pinned in pyproject.toml), with its options in
`clients/python/openapi-python-client.yaml` and three of its templates replaced by those in
`clients/python/templates/`. Both modes generate into a temporary directory first, so a failed
generation leaves the committed client untouched and the check compares exactly what a
regeneration would write.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIENT_DIR = ROOT / "clients" / "python"
PACKAGE = "gateway_admin_api"
TARGET = CLIENT_DIR / PACKAGE
CONTRACT = ROOT / "openapi.yaml"
CONFIG = CLIENT_DIR / "openapi-python-client.yaml"
TEMPLATES = CLIENT_DIR / "templates"
BIN = Path(sys.executable).parent
# Files the generator does not write: the PEP 561 marker (the package is typed).
EXTRA_FILES = {"py.typed": ""}
IGNORED = {"__pycache__", ".mypy_cache", ".ruff_cache"}
DIFF_LINES = 60


def generate(output: Path) -> None:
    """Write the generated package to `output` (which must not exist)."""
    # The post-hooks in the config run `ruff` from PATH: the venv's, pinned by pyproject.toml.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [
        str(BIN / "openapi-python-client"),
        "generate",
        "--path",
        str(CONTRACT),
        "--config",
        str(CONFIG),
        "--custom-template-path",
        str(TEMPLATES),
        "--meta",
        "none",
        "--output-path",
        str(output),
        "--fail-on-warning",
    ]
    result = subprocess.run(  # noqa: S603 - our own fixed command
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not output.is_dir():
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"openapi-python-client failed (exit {result.returncode})")
    for name, text in EXTRA_FILES.items():
        (output / name).write_text(text)


def _files(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not IGNORED.intersection(path.relative_to(root).parts)
    }


def differences(expected: Path, actual: Path) -> list[str]:
    """What differs between the freshly generated tree and the committed one, as diff lines."""
    want, have = _files(expected), _files(actual)
    lines: list[str] = []
    for name in sorted(want.keys() | have.keys()):
        if name not in have:
            lines.append(f"missing: {name}")
        elif name not in want:
            lines.append(f"not generated (remove it): {name}")
        elif want[name] != have[name]:
            lines.extend(
                difflib.unified_diff(
                    have[name].decode(errors="replace").splitlines(),
                    want[name].decode(errors="replace").splitlines(),
                    f"committed/{name}",
                    f"generated/{name}",
                    lineterm="",
                )
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gateway-client-") as tmp:
        fresh = Path(tmp) / PACKAGE
        generate(fresh)
        if args.check:
            lines = differences(fresh, TARGET)
            if lines:
                shown = "\n".join(lines[:DIFF_LINES])
                more = len(lines) - DIFF_LINES
                print(shown + (f"\n... and {more} more lines" if more > 0 else ""))
                print(
                    f"\n{TARGET.relative_to(ROOT)} is not what openapi.yaml generates: "
                    "run `make generate`."
                )
                return 1
            print(f"{TARGET.relative_to(ROOT)} is current.")
            return 0
        if TARGET.exists():
            shutil.rmtree(TARGET)
        shutil.copytree(fresh, TARGET, ignore=shutil.ignore_patterns(*IGNORED))
        print(f"Generated {TARGET.relative_to(ROOT)} from {CONTRACT.name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

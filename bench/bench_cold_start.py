"""Cold start of each Lambda handler from the artifact, as a ratio to `import boto3`.

The artifact is built for this machine (its Python and architecture) with
`scripts/package_lambda.py`, or `dist/lambda.zip` is reused when its manifest says it was built for
this machine and its copies of our sources match the working tree. It is unpacked to a temporary
directory; each measurement is a fresh `python -I -S` whose `sys.path` is that directory and the
standard library (nothing of the venv), timing one `import`. Runs alternate between modules so
drift on the machine hits them all alike; medians are printed, of wall time and of the process's
CPU time. The verdict uses CPU time: an import is CPU-bound once its files are in the page cache,
and on a shared machine other processes inflate wall time unevenly from run to run (on an idle
machine the two agree). Goal (issue 8): importing any handler takes at most 1.5x `import boto3`.

Run: `.venv/bin/python bench/bench_cold_start.py [--runs N] [--rebuild] [--importtime MODULE]`;
`--zip OTHER.zip` measures another build (e.g. of an older commit) the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from handlers import FUNCTIONS

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = FUNCTIONS
BASELINE = "boto3"
GOAL_RATIO = 1.5
OUR_PACKAGES = ("controlplane", "handlers", "generated")

_TIMED = """
import sys, time
sys.path.insert(0, sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
__import__(sys.argv[2])
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def this_machine() -> tuple[str, str]:
    """(python version, Lambda architecture) of this machine."""
    machine = os.uname().machine.lower()
    architecture = "arm64" if machine in ("aarch64", "arm64") else "x86_64"
    return f"{sys.version_info.major}.{sys.version_info.minor}", architecture


def _fresh(zip_path: Path) -> bool:
    """The zip's copies of our sources and the contract are the working tree's."""
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        ours = [
            p
            for package in OUR_PACKAGES
            for p in (ROOT / package).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".json")
        ]
        for path in [*ours, ROOT / "openapi.yaml"]:
            name = path.relative_to(ROOT).as_posix()
            if name not in names or archive.read(name) != path.read_bytes():
                return False
    return True


def artifact(work: Path, rebuild: bool) -> Path:
    """The zip to measure: dist/lambda.zip when it fits this machine and is current, else built."""
    python_version, architecture = this_machine()
    dist = ROOT / "dist"
    manifest_path = dist / "lambda.json"
    if not rebuild and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        fits = (manifest["python_version"], manifest["architecture"]) == this_machine()
        if fits and _fresh(dist / "lambda.zip"):
            print(f"reusing {dist / 'lambda.zip'} ({manifest['sha256'][:12]})", flush=True)
            return dist / "lambda.zip"
    print(f"building the artifact for python{python_version} {architecture}", flush=True)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "package_lambda.py"),
            "--arch",
            architecture,
            "--dist",
            str(work / "dist"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return work / "dist" / "lambda.zip"


def time_import(task_root: Path, module: str) -> tuple[float, float]:
    """(wall, CPU) seconds one fresh interpreter takes to import `module` from the artifact."""
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _TIMED, str(task_root), module],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"},
    )
    wall, cpu = result.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def importtime(task_root: Path, module: str, top: int = 20) -> None:
    """The `-X importtime` report of `module`, heaviest cumulative first."""
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-X", "importtime", "-c", _TIMED, str(task_root), module],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"},
    )
    rows = []
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
            rows.append((int(cumulative_us), int(self_us), name.rstrip()))
    print(f"\n-X importtime of {module} (top {top} by cumulative time)")
    print(f"{'cumulative ms':>14} {'self ms':>8}  module")
    for cumulative, own, name in sorted(rows, reverse=True)[:top]:
        print(f"{cumulative / 1000:14.1f} {own / 1000:8.1f}  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per module")
    parser.add_argument("--rebuild", action="store_true", help="build even if dist/ fits")
    parser.add_argument(
        "--zip", type=Path, help="measure this artifact (built for this machine) instead"
    )
    parser.add_argument(
        "--importtime", metavar="MODULE", help="also print -X importtime of this module"
    )
    args = parser.parse_args()
    modules = [BASELINE, *(f"handlers.{name}" for name in HANDLERS)]
    with tempfile.TemporaryDirectory(prefix="bench-cold-start-") as work_dir:
        work = Path(work_dir)
        zip_path = args.zip or artifact(work, args.rebuild)
        task_root = work / "task"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(task_root)
        # The venv stays invisible: -S drops site-packages, -I the environment and user site.
        leaked = [
            m
            for m in ("connexion", "openapi_core", "uvicorn", "click", "httpx")
            if time_import_ok(task_root, m)
        ]
        if leaked:
            print(f"not isolated: {', '.join(leaked)} importable from the artifact's setup")
            return 1
        for module in modules:  # warm the OS page cache: the first run reads files from disk
            time_import(task_root, module)
        wall: dict[str, list[float]] = {m: [] for m in modules}
        cpu: dict[str, list[float]] = {m: [] for m in modules}
        for _ in range(args.runs):
            for module in modules:
                took = time_import(task_root, module)
                wall[module].append(took[0] * 1000)
                cpu[module].append(took[1] * 1000)
        python_version, architecture = this_machine()
        print(
            f"\ncold import from the artifact: python{python_version} {architecture}, "
            f"python -I -S, median of {args.runs} fresh interpreters each (ms)"
        )
        print(f"{'':<34} {'wall':>8} {'x boto3':>8} {'CPU':>8} {'x boto3':>8}")
        wall_base, cpu_base = statistics.median(wall[BASELINE]), statistics.median(cpu[BASELINE])
        worst = 0.0
        for module in modules:
            wall_ms, cpu_ms = statistics.median(wall[module]), statistics.median(cpu[module])
            ratio = cpu_ms / cpu_base
            verdict = ""
            if module != BASELINE:
                worst = max(worst, ratio)
                verdict = "ok" if ratio <= GOAL_RATIO else "OVER"
            print(
                f"{'import ' + module:<34} {wall_ms:8.1f} {wall_ms / wall_base:8.2f} "
                f"{cpu_ms:8.1f} {ratio:8.2f}  {verdict}"
            )
        print(f"\nworst handler: {worst:.2f}x import boto3 in CPU time (goal <= {GOAL_RATIO}x)")
        if args.importtime:
            importtime(task_root, args.importtime)
    return 0


def time_import_ok(task_root: Path, module: str) -> bool:
    """Whether `module` imports in the artifact's isolated setup."""
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _TIMED, str(task_root), module],
        capture_output=True,
        check=False,
        env={"PATH": os.environ.get("PATH", "")},
    )
    return result.returncode == 0


if __name__ == "__main__":
    sys.exit(main())

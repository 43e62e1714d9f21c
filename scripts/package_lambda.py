"""Build the one Lambda artifact: `dist/lambda.zip` and its manifest `dist/lambda.json`.

Usage: `make package [LAMBDA_ARCH=arm64|x86_64] [PYTHON=python3.12]`, i.e.
`<python> scripts/package_lambda.py --arch arm64`.

- Runtime: the interpreter that runs this script decides it (python3.X of that interpreter), since
  it compiles the bytecode and bytecode is only valid for its own minor version. The manifest
  carries the runtime and the architecture, and Terraform reads them from there, so the deployed
  runtime always matches the build. Lambda's python3.11 runs on Amazon Linux 2 (glibc 2.26) and is
  deprecated since 2026-06-30; python3.12+ run on Amazon Linux 2023 (glibc 2.34). Deploy a build
  made with Python 3.12 (flpc, a runtime dependency, has wheels up to CPython 3.12 only, so a
  3.13+ build fails to resolve it); a 3.11 build still works for importing on this machine.
- Architecture: arm64 by default (Graviton: about 20 % cheaper per GB-second than x86_64);
  x86_64 builds an artifact this machine can import, which is what the test does.
- Contents: the runtime dependencies of `[project].dependencies` only (never connexion, uvicorn,
  openapi-core, click, httpx or dev tools), as binary wheels for the runtime's Python, architecture
  and glibc (the manylinux tags pip would accept on the Lambda host itself); `controlplane/`,
  `handlers/`, `generated/` with their package data, and `openapi.yaml` at the root (the contract
  loader finds it two levels above `controlplane/api/contract.py`).
- boto3 and botocore are shipped, not taken from the runtime: the runtime's bundled boto3 changes
  when AWS updates it, while we pin (and test) ours. The AWS SDK is most of the artifact (about
  18 MB of a 30 MB zip, 62 MB unpacked), still well inside Lambda's limits (50 MB zipped, 250 MB
  unpacked), and importing it from /var/task costs no more than from the runtime. Trimming
  botocore's data to the services we call would save about 15 MB but break the first client of
  any other service only on AWS, so it is not done.
- Versions: every distribution is pinned by `scripts/lambda-constraints.txt` (pip constraints);
  the build fails when one is not, because an unpinned botocore would change the bytes (and
  redeploy every function) with each of its near-daily releases. Refresh the pins to the versions
  the test suite runs on with `.venv/bin/python scripts/package_lambda.py --update-lock`.
- Deterministic: bytecode compiled with unchecked-hash invalidation (no mtimes; PYTHONHASHSEED=0 so
  frozenset constants marshal in one order; paths recorded as /var/task/...), zip entries sorted
  with a fixed timestamp (1980-01-01), fixed permissions (0644 files, 0755 directories) and one
  compression level: the same sources and pins give the same bytes on the same Python and zlib.

Exit 2 with one line when the interpreter cannot build it (not CPython 3.11+, or no pip).
"""

import argparse
import base64
import datetime
import email.parser
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

if sys.implementation.name != "cpython" or sys.version_info < (3, 11):
    # Only what Python 3.7+ parses and imports comes before this line, so an old interpreter
    # gets this one line rather than a traceback.
    sys.stderr.write(
        "package_lambda: needs CPython 3.11 or later (the Lambda runtime is the interpreter's "
        f"version), not {sys.implementation.name} {'.'.join(map(str, sys.version_info[:3]))}: "
        "run with PYTHON=python3.12\n"
    )
    sys.exit(2)

import tomllib  # 3.11+: after the check
from dataclasses import dataclass  # 3.7+: after the check

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "scripts" / "lambda-constraints.txt"
PACKAGES = ("controlplane", "handlers", "generated")
ROOT_FILES = ("openapi.yaml",)
ARCHITECTURES = {"arm64": "aarch64", "x86_64": "x86_64"}
"""Lambda's architecture name → the machine name in wheel platform tags."""
DEFAULT_ARCH = "arm64"

AL2_GLIBC = (2, 26)
AL2023_GLIBC = (2, 34)
OLDEST_MANYLINUX = (2, 17)
DEPRECATED_RUNTIMES = {"3.11": "2026-06-30"}
"""AWS's published deprecation dates of the runtimes this project can still build for."""

EXCLUDED_DISTRIBUTIONS = (
    "connexion",
    "uvicorn",
    "openapi-core",
    "click",
    "httpx",
    "starlette",
    "schemathesis",
    "moto",
    "pytest",
    "hypothesis",
    "ruff",
    "mypy",
    "datamodel-code-generator",
    "pip",
    "setuptools",
)
"""Never in the artifact: the local server's libraries, dev tools and installers."""

SOURCE_SUFFIXES = (".py", ".json", ".typed")
"""Files copied from our packages besides what `[tool.setuptools.package-data]` lists."""
DROPPED_DIRS = ("__pycache__", "tests", "test")
"""Removed from the installed dependencies: stale caches and test suites."""

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 6
"""zlib's default: level 9 takes twice as long for a zip 0.4 % smaller."""
FILE_MODE = 0o644
DIR_MODE = 0o755
LAMBDA_TASK_ROOT = "/var/task"
"""Where Lambda unpacks the zip: the file names recorded in the bytecode."""


class Refusal(Exception):
    """A reason the artifact cannot be built, said in one line (exit 2)."""


@dataclass(frozen=True)
class Target:
    """What the artifact is built for."""

    python_version: str
    """`3.12`"""
    architecture: str
    """Lambda's name: `arm64` or `x86_64`."""

    @property
    def runtime(self) -> str:
        return f"python{self.python_version}"

    @property
    def machine(self) -> str:
        return ARCHITECTURES[self.architecture]

    @property
    def glibc(self) -> tuple[int, int]:
        """The glibc of the runtime's OS: Amazon Linux 2 for 3.11, Amazon Linux 2023 after."""
        major, minor = (int(part) for part in self.python_version.split("."))
        return AL2_GLIBC if (major, minor) <= (3, 11) else AL2023_GLIBC

    def platforms(self) -> list[str]:
        """Wheel platform tags the runtime accepts, most specific first (pip's own order)."""
        newest = self.glibc[1]
        oldest = OLDEST_MANYLINUX[1]
        tags = [f"manylinux_2_{minor}_{self.machine}" for minor in range(newest, oldest - 1, -1)]
        # manylinux2014 is manylinux_2_17 under its old name, which many wheels still carry.
        return [*tags, f"manylinux2014_{self.machine}"]


def this_machine() -> str:
    """The Lambda architecture name of the machine running this script."""
    machine = os.uname().machine.lower()
    return "arm64" if machine in ("aarch64", "arm64") else "x86_64"


def project_dependencies(root: Path = ROOT) -> list[str]:
    """`[project].dependencies` of pyproject.toml: exactly what the Lambda runtime needs."""
    with (root / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    dependencies: list[str] = project["dependencies"]
    return dependencies


def package_data_patterns(root: Path = ROOT) -> dict[str, list[str]]:
    """`[tool.setuptools.package-data]`: data files the packages read at run time."""
    with (root / "pyproject.toml").open("rb") as handle:
        tool = tomllib.load(handle).get("tool", {})
    patterns: dict[str, list[str]] = tool.get("setuptools", {}).get("package-data", {})
    return patterns


def pip_install_command(
    target: Target,
    requirements: Sequence[str],
    destination: Path,
    *,
    constraints: Path | None = LOCK,
    python: str = sys.executable,
) -> list[str]:
    """The pip command that installs `requirements` as the Lambda runtime's wheels."""
    command = [
        python,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        # The target directory is ours alone: conflicts with, or warnings about, whatever the
        # interpreter itself has installed do not apply to it.
        "--no-warn-conflicts",
        "--root-user-action=ignore",
        "--target",
        str(destination),
        "--implementation",
        "cp",
        "--python-version",
        target.python_version,
        "--abi",
        f"cp{target.python_version.replace('.', '')}",
        "--only-binary=:all:",
        "--no-compile",
    ]
    for platform in target.platforms():
        command += ["--platform", platform]
    if constraints is not None:
        command += ["--constraint", str(constraints)]
    return [*command, *requirements]


def _step(number: int, text: str) -> float:
    print(f"[{number}/5] {text}", flush=True)
    return time.monotonic()


def _done(started: float) -> None:
    print(f"      done in {time.monotonic() - started:.1f}s", flush=True)


def _run(command: list[str], what: str) -> None:
    # A --target install touches no environment, so a require-virtualenv setting does not apply.
    env = {**os.environ, "PIP_REQUIRE_VIRTUALENV": "0"}
    result = subprocess.run(command, env=env, check=False)  # noqa: S603 - our own commands
    if result.returncode != 0:
        raise Refusal(f"{what} failed (exit {result.returncode}): {' '.join(command)}")


def install_dependencies(target: Target, destination: Path) -> None:
    """The runtime dependencies, pinned by the lock, for the target's Python and platform."""
    if not LOCK.is_file():
        raise Refusal(f"{LOCK.relative_to(ROOT)} is missing: run with --update-lock first")
    command = pip_install_command(target, project_dependencies(), destination)
    _run(command, "pip install")
    # pip writes console scripts with this machine's interpreter in the shebang: not ours to ship.
    shutil.rmtree(destination / "bin", ignore_errors=True)
    for record in destination.glob("*.dist-info/RECORD"):
        # Their RECORD lines (`../../bin/...`, hashed with that shebang) would differ by machine.
        lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
        record.write_text("".join(x for x in lines if not x.startswith("../")), encoding="utf-8")
    for name in DROPPED_DIRS:
        for found in sorted(destination.rglob(name)):
            if found.is_dir():
                shutil.rmtree(found)


def installed_distributions(site: Path) -> dict[str, str]:
    """Normalised name → version of every distribution installed in `site`."""
    found = {}
    for metadata in site.glob("*.dist-info/METADATA"):
        headers = metadata.read_text(encoding="utf-8").split("\n\n", 1)[0]
        fields = email.parser.HeaderParser().parsestr(headers)
        found[normalise(fields["Name"])] = fields["Version"]
    return found


def normalise(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path = LOCK) -> dict[str, str]:
    """Pinned name → version."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[normalise(name)] = version.strip()
    return pins


def check_installed(site: Path) -> dict[str, str]:
    """Every installed distribution is pinned, and none of the excluded ones is there."""
    installed = installed_distributions(site)
    excluded = sorted(set(installed) & {normalise(n) for n in EXCLUDED_DISTRIBUTIONS})
    if excluded:
        raise Refusal(f"excluded distributions were installed: {', '.join(excluded)}")
    pins = read_lock()
    unpinned = sorted(f"{n}=={v}" for n, v in installed.items() if pins.get(n) != v)
    if unpinned:
        raise Refusal(
            f"not pinned in {LOCK.relative_to(ROOT)}: {', '.join(unpinned)}; "
            "run `.venv/bin/python scripts/package_lambda.py --update-lock`"
        )
    return installed


def copy_sources(destination: Path, root: Path = ROOT) -> int:
    """Our packages (sources and package data) and the contract, at the artifact's root."""
    patterns = package_data_patterns(root)
    copied = 0
    for package in PACKAGES:
        base = root / package
        data = {p for pattern in patterns.get(package, []) for p in base.glob(pattern)}
        for path in sorted(base.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            if path.suffix in SOURCE_SUFFIXES or path in data:
                copy = destination / path.relative_to(root)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
                copied += 1
    for name in ROOT_FILES:
        shutil.copyfile(root / name, destination / name)
        copied += 1
    return copied


def compile_bytecode(tree: Path) -> None:
    """`__pycache__/*.cpython-3X.pyc` for every module, unchecked-hash based (no mtimes)."""
    code = (
        "import compileall, py_compile, sys\n"
        "ok = compileall.compile_dir(sys.argv[1], ddir=sys.argv[2], quiet=1, workers=1,\n"
        "    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)\n"
        "sys.exit(0 if ok else 1)\n"
    )
    # A fresh process with a fixed hash seed: frozenset constants are marshalled in hash order.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-I", "-c", code, str(tree), LAMBDA_TASK_ROOT], env=env, check=False
    )
    if result.returncode != 0:
        raise Refusal("compileall failed on some module (see above)")


def zip_entries(tree: Path) -> list[tuple[str, Path]]:
    """(name in the zip, file) for every directory and file, sorted by name."""
    entries = []
    for path in tree.rglob("*"):
        name = path.relative_to(tree).as_posix()
        entries.append((name + "/" if path.is_dir() else name, path))
    return sorted(entries)


def write_zip(tree: Path, zip_path: Path) -> None:
    """A zip whose bytes depend only on the tree's names and contents."""
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name, path in zip_entries(tree):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so external_attr carries the permissions
            if path.is_dir():
                info.external_attr = (0o040000 | DIR_MODE) << 16 | 0x10
                archive.writestr(info, b"", compress_type=zipfile.ZIP_STORED)
            else:
                info.external_attr = (0o100000 | FILE_MODE) << 16
                archive.writestr(
                    info,
                    path.read_bytes(),
                    compress_type=zipfile.ZIP_DEFLATED,
                    compresslevel=ZIP_LEVEL,
                )


def manifest(target: Target, zip_path: Path) -> dict[str, object]:
    """What Terraform reads: runtime, architecture, and the hashes of the zip."""
    digest = hashlib.sha256(zip_path.read_bytes()).digest()
    return {
        "runtime": target.runtime,
        "python_version": target.python_version,
        "architecture": target.architecture,
        "sha256": digest.hex(),
        "base64sha256": base64.b64encode(digest).decode(),
        "size": zip_path.stat().st_size,
    }


def build(target: Target, dist: Path) -> dict[str, object]:
    """Build `dist/lambda.zip` and `dist/lambda.json` for `target`; the manifest."""
    deprecated = DEPRECATED_RUNTIMES.get(target.python_version)
    if deprecated and datetime.date.today().isoformat() >= deprecated:
        print(
            f"warning: Lambda's {target.runtime} is deprecated since {deprecated}; build the "
            "deployed artifact with PYTHON=python3.12",
            file=sys.stderr,
        )
    dist.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lambda-build-") as work:
        tree = Path(work) / "task"
        tree.mkdir()
        started = _step(
            1,
            f"installing runtime dependencies for {target.runtime} on {target.architecture} "
            f"(manylinux up to glibc {target.glibc[0]}.{target.glibc[1]})",
        )
        install_dependencies(target, tree)
        installed = check_installed(tree)
        print("      " + ", ".join(f"{n}=={v}" for n, v in sorted(installed.items())))
        _done(started)
        started = _step(2, "copying controlplane/, handlers/, generated/ and openapi.yaml")
        print(f"      {copy_sources(tree)} files")
        _done(started)
        started = _step(3, f"compiling bytecode with Python {target.python_version}")
        compile_bytecode(tree)
        _done(started)
        started = _step(4, "writing the zip (sorted, fixed times and permissions)")
        zip_path = dist / "lambda.zip"
        partial = dist / "lambda.zip.partial"
        write_zip(tree, partial)
        partial.replace(zip_path)
        _done(started)
    started = _step(5, "writing the manifest")
    described = manifest(target, zip_path)
    (dist / "lambda.json").write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")
    _done(started)
    size = int(str(described["size"]))
    print(
        f"{_shown(zip_path)}: {size / 1_000_000:.1f} MB ({size:,} bytes) for "
        f"{target.runtime} {target.architecture}\nsha256 {described['sha256']}\n"
        f"manifest {_shown(dist / 'lambda.json')}",
        flush=True,
    )
    return described


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _frozen_here() -> list[str]:
    """`name==version` of what this interpreter has installed (the versions the tests ran on)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if re.match(r"^[A-Za-z0-9._-]+==", line)]


def update_lock(python_version: str) -> None:
    """Pin the runtime dependencies (and theirs) to this interpreter's installed versions, where
    it has them, for both architectures; newest allowed versions otherwise."""
    pins: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="lambda-lock-") as work:
        preferred = Path(work) / "installed.txt"
        preferred.write_text("\n".join(_frozen_here()) + "\n", encoding="utf-8")
        for architecture in sorted(ARCHITECTURES):
            target = Target(python_version, architecture)
            report = Path(work) / f"report-{architecture}.json"
            command = pip_install_command(
                target, project_dependencies(), Path(work) / "site", constraints=preferred
            )
            at = command.index("install") + 1
            command[at:at] = ["--dry-run", "--ignore-installed", "--report", str(report)]
            print(f"resolving for {target.runtime} {architecture}", flush=True)
            _run(command, "pip resolve")
            for item in json.loads(report.read_text(encoding="utf-8"))["install"]:
                name = normalise(item["metadata"]["name"])
                version = item["metadata"]["version"]
                if pins.setdefault(name, version) != version:
                    raise Refusal(f"{name} resolves to {pins[name]} and {version} by architecture")
    header = (
        "# Exact versions of the Lambda artifact's runtime dependencies (pip constraints).\n"
        "# Written by `.venv/bin/python scripts/package_lambda.py --update-lock`: the versions\n"
        "# the test suite runs on. Ranges stay in pyproject.toml [project].dependencies.\n"
    )
    LOCK.write_text(header + "".join(f"{n}=={v}\n" for n, v in sorted(pins.items())), "utf-8")
    print(f"wrote {_shown(LOCK)}: {len(pins)} pins")


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--arch",
        choices=sorted(ARCHITECTURES),
        default=os.environ.get("LAMBDA_ARCH") or DEFAULT_ARCH,
        help="Lambda architecture (default: arm64, or $LAMBDA_ARCH)",
    )
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output directory")
    parser.add_argument("--update-lock", action="store_true", help=f"rewrite {LOCK.name} and exit")
    args = parser.parse_args(list(argv) if argv is not None else None)
    python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    try:
        if importlib.util.find_spec("pip") is None:
            raise Refusal(
                f"pip is not installed for {sys.executable}: run `{sys.executable} -m "
                "ensurepip` or choose another PYTHON"
            )
        if args.update_lock:
            update_lock(python_version)
        else:
            build(Target(python_version, args.arch), args.dist)
    except Refusal as refusal:
        print(f"package_lambda: {refusal}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

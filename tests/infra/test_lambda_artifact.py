"""The Lambda artifact as Lambda runs it: built by `make package`'s script for this machine,
unpacked, imported by a fresh interpreter that sees nothing but the artifact and the standard
library; normalised, deterministic, and described by its manifest.

The build installs wheels from PyPI (pip's cache makes the second build quick): these tests need
the package index, as `make test` does anyway.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

import pytest

from handlers import FUNCTIONS
from tests.events import apigw_event

ROOT = Path(__file__).resolve().parents[2]
PACKAGER = ROOT / "scripts" / "package_lambda.py"
HANDLERS = FUNCTIONS
EXCLUDED_MODULES = (
    "connexion",
    "uvicorn",
    "openapi_core",
    "click",
    "httpx",
    "starlette",
    "schemathesis",
    "moto",
    "pytest",
    "hypothesis",
    "mypy",
    "ruff",
    "datamodel_code_generator",
    "pip",
    "setuptools",
)
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


def load_packager() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_lambda", PACKAGER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


packager = load_packager()
ARCH = packager.this_machine()


@dataclass(frozen=True)
class Built:
    zip_path: Path
    manifest: dict[str, Any]
    task_root: Path
    """The zip unpacked, as Lambda unpacks it to /var/task."""
    output: str


def build(dist: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(PACKAGER), "--arch", ARCH, "--dist", str(dist)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"the build failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    dist = tmp_path_factory.mktemp("dist")
    result = build(dist)
    task_root = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(dist / "lambda.zip") as archive:
        archive.extractall(task_root)
    return Built(
        zip_path=dist / "lambda.zip",
        manifest=json.loads((dist / "lambda.json").read_text()),
        task_root=task_root,
        output=result.stdout,
    )


def run_in_artifact(
    task_root: Path, code: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter whose path is the artifact and the standard library only.

    -S leaves site-packages (the venv's and the system's) out; -P keeps the working directory out;
    the environment holds nothing but PYTHONPATH (as Lambda sets it to /var/task) and `env`.
    """
    return subprocess.run(
        [sys.executable, "-S", "-P", "-c", code],
        cwd=task_root,
        env={"PYTHONPATH": str(task_root), "LANG": "C.UTF-8", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def tree(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


def test_every_handler_imports_from_the_artifact_alone(built: Built) -> None:
    # GIVEN the unpacked artifact and an interpreter that sees nothing else
    before = tree(built.task_root)
    code = f"""
import importlib, importlib.util, json, sys
handlers = [importlib.import_module("handlers." + name) for name in {HANDLERS!r}]
print(json.dumps({{
    "path": sys.path,
    "stdlib": sys.base_prefix,
    "handlers": [callable(h.lambda_handler) for h in handlers],
    "files": sorted({{m.__file__ for m in list(sys.modules.values())
                     if getattr(m, "__file__", None)}}),
    "excluded_importable": [n for n in {EXCLUDED_MODULES!r} if importlib.util.find_spec(n)],
    "built_models": sorted(name for name, value in vars(sys.modules["generated.models"]).items()
                           if getattr(value, "__pydantic_complete__", False)),
    "jsonschema_loaded": "jsonschema" in sys.modules,
    "flpc_loaded": "flpc" in sys.modules,
}}))
"""
    # WHEN it imports every handler
    result = run_in_artifact(built.task_root, code)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    # THEN each has its lambda_handler, and nothing came from outside the artifact and stdlib
    assert seen["handlers"] == [True] * len(HANDLERS)
    assert seen["excluded_importable"] == []
    assert seen["path"][0] == str(built.task_root)
    assert not [p for p in seen["path"] if "site-packages" in p]
    task_root, stdlib = str(built.task_root), seen["stdlib"]
    assert not [f for f in seen["files"] if not f.startswith((task_root, stdlib))]
    assert any(f.startswith(f"{task_root}/pydantic/") for f in seen["files"])
    # AND no bytecode had to be written: the precompiled files were used as they are
    assert tree(built.task_root) == before
    # AND the cold-start savings hold: no model validator is built, no JSON Schema library loaded,
    # until a request needs them (bench/bench_cold_start.py measures what that is worth)
    assert seen["built_models"] == []
    assert seen["jsonschema_loaded"] is False
    assert seen["flpc_loaded"] is False, "the Rust regex check is imported when a policy is checked"


def test_a_registration_runs_through_the_artifact(built: Built, tmp_path: Path) -> None:
    # GIVEN a registration as API Gateway delivers it, and the SQLite store in a temp dir
    register = apigw_event(
        "POST",
        "/teams",
        "/teams",
        body=json.dumps({"name": "payments", "contact_email": "p@x.example", "tier": "sandbox"}),
    )
    config = apigw_event("GET", "/routing/config", "/routing/config")
    code = f"""
import json
from handlers import routing_config, team_registration
answers = [
    team_registration.lambda_handler(json.loads({json.dumps(json.dumps(register))}), None),
    routing_config.lambda_handler(json.loads({json.dumps(json.dumps(config))}), None),
]
print(json.dumps([{{"status": a["statusCode"], "body": a["body"]}} for a in answers]))
"""
    # WHEN the artifact's team_registration handles it (and routing_config renders the config)
    result = run_in_artifact(
        built.task_root, code, {"GATEWAY_STORE": "sqlite", "GATEWAY_DATA_DIR": str(tmp_path)}
    )
    # THEN the team is created, in the store
    assert result.returncode == 0, result.stderr
    registered, rendered = json.loads(result.stdout.strip().splitlines()[-1])
    assert registered["status"] == 201, registered
    assert json.loads(registered["body"])["team"]["name"] == "payments"
    assert (tmp_path / "control-plane.sqlite3").exists()
    # AND the agentgateway config renders and validates against its schema (jsonschema and the
    # renderer are imported on first use, so this proves they work from the artifact too)
    assert rendered["status"] == 200, rendered
    assert "/v1/chat/completions" in rendered["body"]


def test_custom_regexes_are_checked_by_rusts_engine_from_the_artifact(
    built: Built, tmp_path: Path
) -> None:
    # GIVEN two scanner policies: a pattern Rust's regex crate compiles (Python's `re` does not),
    # and one it refuses (Python's `re` compiles it)
    def create(name: str, pattern: str) -> dict[str, Any]:
        rule = {"name": "r1", "pattern": pattern, "action": "mask"}
        policy = {"name": name, "applies_to": {"mode": "all"}, "phase": "request"}
        body = json.dumps(policy | {"custom_rules": [rule]})
        return apigw_event("POST", "/scanner", "/scanner", body=body)

    events = [create("letters", r"\p{L}+\z"), create("python-only", r"total\Z")]
    code = f"""
import json
from handlers import content_scanner
events = json.loads({json.dumps(json.dumps(events))})
answers = [content_scanner.lambda_handler(event, None) for event in events]
print(json.dumps([{{"status": a["statusCode"], "body": json.loads(a["body"])}} for a in answers]))
"""
    # WHEN the artifact's content_scanner handles them
    result = run_in_artifact(
        built.task_root, code, {"GATEWAY_STORE": "sqlite", "GATEWAY_DATA_DIR": str(tmp_path)}
    )
    # THEN flpc's native module loads from the zip: the first is created, the second refused
    # with Rust's reason
    assert result.returncode == 0, result.stderr
    created, refused = json.loads(result.stdout.strip().splitlines()[-1])
    assert created["status"] == 201, created
    assert refused["status"] == 422, refused
    assert "unrecognized escape sequence" in refused["body"]["errors"][0]["message"]


def test_the_artifact_holds_runtime_dependencies_only(built: Built) -> None:
    with zipfile.ZipFile(built.zip_path) as archive:
        names = archive.namelist()
    top = {PurePosixPath(n).parts[0] for n in names}
    dists = {
        packager.normalise(t.removesuffix(".dist-info").rsplit("-", 1)[0])
        for t in top
        if t.endswith(".dist-info")
    }
    assert not top & set(EXCLUDED_MODULES)
    assert not dists & {packager.normalise(n) for n in packager.EXCLUDED_DISTRIBUTIONS}
    assert dists == set(packager.read_lock())
    assert {"controlplane", "handlers", "generated", "openapi.yaml"} <= top
    assert "bin" not in top
    # Package data the code reads at run time is there.
    for data in (
        "controlplane/pricing/default_prices.json",
        "controlplane/agentgateway/config.schema.json",
        "controlplane/store/dynamodb_table.json",
    ):
        if (ROOT / data).exists():
            assert data in names


def test_every_module_has_unchecked_hash_bytecode_for_this_python(built: Built) -> None:
    tag = sys.implementation.cache_tag
    with zipfile.ZipFile(built.zip_path) as archive:
        names = set(archive.namelist())
        sources = sorted(n for n in names if n.endswith(".py"))
        assert len(sources) > 100
        for source in sources:
            path = PurePosixPath(source)
            pyc = (path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc").as_posix()
            assert pyc in names, f"no bytecode for {source}"
            header = archive.read(pyc)[:16]
            assert header[:4] == importlib.util.MAGIC_NUMBER, pyc
            # PEP 552 flags: bit 0 hash-based, bit 1 check_source; unchecked = 0b01, no mtime.
            assert int.from_bytes(header[4:8], "little") == 0b01, pyc
            assert header[8:16] == importlib.util.source_hash(archive.read(source)), pyc
        stray = [n for n in names if n.endswith(".pyc") and f".{tag}." not in n]
        assert stray == []


def test_zip_entries_are_normalised(built: Built) -> None:
    with zipfile.ZipFile(built.zip_path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {i.filename: i.external_attr >> 16 for i in infos}
    assert {m for n, m in modes.items() if n.endswith("/")} == {0o040755}
    assert {m for n, m in modes.items() if not n.endswith("/")} == {0o100644}
    assert {i.compress_type for i in infos if not i.is_dir()} == {zipfile.ZIP_DEFLATED}


def test_manifest_describes_the_zip(built: Built) -> None:
    data = built.zip_path.read_bytes()
    digest = hashlib.sha256(data).digest()
    assert built.manifest == {
        "runtime": f"python{PYTHON_VERSION}",
        "python_version": PYTHON_VERSION,
        "architecture": ARCH,
        "sha256": digest.hex(),
        "base64sha256": base64.b64encode(digest).decode(),
        "size": len(data),
    }
    assert f"sha256 {digest.hex()}" in built.output


def test_two_builds_give_the_same_bytes(built: Built, tmp_path: Path) -> None:
    build(tmp_path)
    assert (tmp_path / "lambda.zip").read_bytes() == built.zip_path.read_bytes()
    assert json.loads((tmp_path / "lambda.json").read_text()) == built.manifest


@pytest.mark.parametrize(
    ("python_version", "architecture", "machine", "newest_glibc"),
    [
        ("3.12", "arm64", "aarch64", 34),
        ("3.13", "x86_64", "x86_64", 34),
        ("3.11", "arm64", "aarch64", 26),
    ],
)
def test_pip_installs_wheels_of_the_requested_runtime_and_architecture(
    python_version: str, architecture: str, machine: str, newest_glibc: int, tmp_path: Path
) -> None:
    # GIVEN a target runtime, WHEN the packager makes its pip command
    target = packager.Target(python_version, architecture)
    command = packager.pip_install_command(target, packager.project_dependencies(), tmp_path)

    def values(option: str) -> list[str]:
        return [command[i + 1] for i, word in enumerate(command) if word == option]

    # THEN it installs binary wheels for that Python and platform only, pinned by the lock
    assert command[1:4] == ["-m", "pip", "install"]
    assert "--only-binary=:all:" in command
    assert "--no-compile" in command
    assert values("--target") == [str(tmp_path)]
    assert values("--implementation") == ["cp"]
    assert values("--python-version") == [python_version]
    assert values("--abi") == [f"cp{python_version.replace('.', '')}"]
    assert values("--constraint") == [str(packager.LOCK)]
    platforms = values("--platform")
    assert f"manylinux2014_{machine}" in platforms
    assert platforms[0] == f"manylinux_2_{newest_glibc}_{machine}"
    assert all(p.endswith(f"_{machine}") for p in platforms)
    if newest_glibc >= 28:
        assert f"manylinux_2_28_{machine}" in platforms
    else:  # Amazon Linux 2: a manylinux_2_28 wheel would not load there
        assert f"manylinux_2_28_{machine}" not in platforms
    # AND installs exactly the runtime dependencies of pyproject.toml
    requirements = command[command.index(values("--constraint")[0]) + 1 :]
    assert requirements == packager.project_dependencies()
    assert not {r.split("[")[0].split(">")[0].lower() for r in requirements} & {
        "connexion",
        "uvicorn",
        "openapi-core",
        "click",
        "httpx",
    }


def test_packager_refuses_an_interpreter_without_pip(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True
    )
    result = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), str(PACKAGER), "--dist", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("package_lambda: pip is not installed")
    assert not (tmp_path / "lambda.zip").exists()


def test_packager_refuses_an_older_python() -> None:
    # The check runs before anything 3.11-only is imported; an older version is simulated.
    code = (
        "import sys; sys.version_info = (3, 10, 14, 'final', 0); "
        f"sys.argv = [{str(PACKAGER)!r}]; "
        f"exec(compile(open({str(PACKAGER)!r}).read(), 'package_lambda.py', 'exec'), "
        "{'__name__': '__main__', '__file__': sys.argv[0]})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "needs CPython 3.11 or later" in result.stderr
    assert "3.10.14" in result.stderr
    assert result.stdout == ""

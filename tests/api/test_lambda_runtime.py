"""The Lambda entry points as AWS runs them: cold start from the environment, lean imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from handlers import FUNCTIONS
from tests.events import apigw_event

ROOT = Path(__file__).resolve().parents[2]
LAMBDAS = FUNCTIONS


def run_cold_start(code: str, data_dir: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {"GATEWAY_STORE": "sqlite", "GATEWAY_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_lambda_handler_cold_start_keeps_connexion_and_openapi_core_out(tmp_path: Path) -> None:
    # GIVEN a registration event, WHEN a fresh interpreter runs the Lambda's entry point
    event = apigw_event(
        "POST",
        "/teams",
        "/teams",
        body=json.dumps({"name": "payments", "contact_email": "p@x.example", "tier": "sandbox"}),
    )
    code = f"""
import json, sys
from handlers.team_registration import lambda_handler
result = lambda_handler(json.loads({json.dumps(json.dumps(event))}), None)
heavy = sorted(m for m in ("connexion", "openapi_core", "schemathesis", "starlette")
               if m in sys.modules)
print(json.dumps({{"status": result["statusCode"], "heavy": heavy}}))
"""
    # THEN it answers from settings read from the environment, without the heavy libraries
    outcome = json.loads(run_cold_start(code, tmp_path).strip().splitlines()[-1])
    assert outcome == {"status": 201, "heavy": []}
    assert (tmp_path / "control-plane.sqlite3").exists()


def test_every_lambda_module_has_a_handler() -> None:
    import importlib

    for name in LAMBDAS:
        module = importlib.import_module(f"handlers.{name}")
        assert callable(module.lambda_handler)


def test_no_lambda_imports_the_local_servers_libraries(tmp_path: Path) -> None:
    code = f"""
import importlib, json, sys
for name in {LAMBDAS!r}:
    importlib.import_module("handlers." + name)
print(json.dumps(sorted(m for m in ("connexion", "openapi_core", "schemathesis", "starlette",
                                    "uvicorn", "click") if m in sys.modules)))
"""
    assert json.loads(run_cold_start(code, tmp_path).strip().splitlines()[-1]) == []

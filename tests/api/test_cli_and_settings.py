"""`gatewayctl` documents every command; settings come from the environment once."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from controlplane.cli import main
from controlplane.settings import Settings


def test_every_command_has_help() -> None:
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0
    for command in ("serve", "token"):
        assert command in top.output
        answer = runner.invoke(main, [command, "--help"])
        assert answer.exit_code == 0
        assert "Usage:" in answer.output


def test_token_without_a_server_says_what_to_do(tmp_path: Path) -> None:
    answer = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "token"])
    assert answer.exit_code != 0
    assert "start `gatewayctl serve` first" in answer.output


def test_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_DATA_DIR": "/srv/gw",
            "GATEWAY_STORE": "dynamodb",
            "GATEWAY_TABLE_PREFIX": "prod-",
            "GATEWAY_DYNAMODB_ENDPOINT_URL": "http://localhost:8000",
            "AWS_REGION": "eu-west-1",
        }
    )
    assert settings.data_dir == Path("/srv/gw")
    assert settings.full_table_name == "prod-gateway-control-plane"
    assert settings.dynamodb_endpoint_url == "http://localhost:8000"
    assert settings.aws_region == "eu-west-1"
    assert Settings.from_env({}) == Settings()


def test_bad_settings_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="GATEWAY_STORE"):
        Settings.from_env({"GATEWAY_STORE": "postgres"})

"""`gatewayctl` documents every command; settings come from the environment once."""

from __future__ import annotations

from pathlib import Path

import click
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
    assert f"start `gatewayctl serve --data-dir {tmp_path}` first" in answer.output


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


@pytest.mark.parametrize("path", _commands(main), ids=lambda path: " ".join(path) or "gatewayctl")
def test_every_command_accepts_data_dir(path: tuple[str, ...]) -> None:
    # `gatewayctl serve --data-dir DIR` was "No such option": only the group had it.
    answer = CliRunner().invoke(main, [*path, "--help"])
    assert answer.exit_code == 0
    assert "--data-dir DIRECTORY" in answer.output
    assert "GATEWAY_DATA_DIR" in answer.output


@pytest.mark.parametrize(
    ("arguments", "environment", "used"),
    [
        (["token", "--data-dir", "{a}"], {}, "a"),
        (["--data-dir", "{a}", "token"], {}, "a"),
        (["--data-dir", "{a}", "token", "--data-dir", "{b}"], {}, "b"),
        (["token"], {"GATEWAY_DATA_DIR": "{b}"}, "b"),
        (["token", "--data-dir", "{a}"], {"GATEWAY_DATA_DIR": "{b}"}, "a"),
        (["--data-dir", "{a}", "token"], {"GATEWAY_DATA_DIR": "{b}"}, "a"),
    ],
)
def test_data_dir_means_the_same_wherever_it_is_given(
    tmp_path: Path, arguments: list[str], environment: dict[str, str], used: str
) -> None:
    dirs = {"a": str(tmp_path / "a"), "b": str(tmp_path / "b")}
    answer = CliRunner().invoke(
        main,
        [argument.format(**dirs) for argument in arguments],
        env={name: value.format(**dirs) for name, value in environment.items()},
    )
    assert answer.exit_code == 1
    assert f"{dirs[used]}/admin-client.json does not exist" in answer.output


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

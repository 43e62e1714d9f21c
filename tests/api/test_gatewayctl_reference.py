"""docs/gatewayctl.md documents every command of `gatewayctl` and every option it takes, and the
README's `gatewayctl` table points at every command group."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from controlplane.cli import main

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = (ROOT / "docs" / "gatewayctl.md").read_text()
EVERYWHERE = {"--data-dir", "--profile", "--help"}
"""Documented once, under "Options every command takes"."""


def _leaves(
    group: click.Group, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _leaves(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


def _section(path: tuple[str, ...]) -> str:
    heading = re.compile(rf"^### `gatewayctl {re.escape(' '.join(path))}(?: [^`]*)?`$", re.M)
    found = heading.search(REFERENCE)
    assert found, f"docs/gatewayctl.md has no section `gatewayctl {' '.join(path)}`"
    end = REFERENCE.find("\n### ", found.end())
    return REFERENCE[found.end() : end if end != -1 else None]


@pytest.mark.parametrize(
    ("path", "command"),
    _leaves(main),
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else "",
)
def test_every_command_and_option_is_in_the_reference(
    path: tuple[str, ...], command: click.Command
) -> None:
    section = _section(path)
    assert (
        "```sh\ngatewayctl " in section
        or "```sh\nTOKEN=$(gatewayctl" in section
        or ("```sh\neval" in section)
    ), f"no example for gatewayctl {' '.join(path)}"
    for parameter in command.params:
        if not isinstance(parameter, click.Option):
            continue
        names = [*parameter.opts, *parameter.secondary_opts]
        if set(names) & EVERYWHERE:
            continue
        assert any(f"`{name}" in section for name in names), (
            f"gatewayctl {' '.join(path)}: {names[0]} is not in its section of docs/gatewayctl.md"
        )


def test_the_readme_table_points_at_the_reference_for_every_group() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## `gatewayctl`") :]
    section = section[: section.index("\n## ", 1)]
    assert "docs/gatewayctl.md" in section
    for name in main.commands:
        assert f"`gatewayctl {name}" in section, f"the README's gatewayctl table lacks {name}"

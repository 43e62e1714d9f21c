"""`gatewayctl completion SHELL`: the shell completion script (click's) for bash, zsh or fish."""

from __future__ import annotations

import click

from controlplane.cli.app import main

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VARIABLE = "_GATEWAYCTL_COMPLETE"
"""The variable click's scripts set when they ask gatewayctl for completions."""


@main.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script of gatewayctl for SHELL: commands, options and their choices
    complete with Tab.

    \b
    Example:
      eval "$(gatewayctl completion bash)"     # add to ~/.bashrc
      eval "$(gatewayctl completion zsh)"      # add to ~/.zshrc
      gatewayctl completion fish > ~/.config/fish/completions/gatewayctl.fish
    """
    from click.shell_completion import get_completion_class

    script = get_completion_class(shell)
    assert script is not None  # every choice is one of click's shells
    click.echo(script(main, {}, "gatewayctl", COMPLETE_VARIABLE).source())

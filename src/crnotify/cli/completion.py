"""`crnotify completion bash|zsh|fish`: print the shell completion script (click's own)."""

from __future__ import annotations

import click

from crnotify.cli._app import run

# The variable click's completion protocol uses: `_{PROG_NAME}_COMPLETE`, upper case.
COMPLETE_VAR = "_CRNOTIFY_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> int:
    """Print the completion script for SHELL; source it from your shell's start-up file.

    It completes commands, options, choices (such as --format values) and paths. The script calls
    crnotify with the _CRNOTIFY_COMPLETE environment variable set, so crnotify must be on PATH.

    \b
    Examples:
      crnotify completion bash >> ~/.bashrc              # or: eval "$(crnotify completion bash)"
      crnotify completion zsh > "${fpath[1]}/_crnotify"
      crnotify completion fish > ~/.config/fish/completions/crnotify.fish
    """

    def body() -> int:
        from click.shell_completion import get_completion_class  # noqa: PLC0415

        cls = get_completion_class(shell)
        if cls is None:  # click knows these three; a click without one is an install problem
            raise click.UsageError(f"this click version cannot complete {shell}")
        root = ctx.find_root().command
        click.echo(cls(root, {}, "crnotify", COMPLETE_VAR).source())
        return 0

    return run(ctx, body)

"""The click group, the options shared by several commands, and the one error boundary."""

from __future__ import annotations

import importlib
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from crnotify import __version__
from crnotify.errors import EXIT_ERROR, EXIT_INTERRUPTED, CrnotifyError

if TYPE_CHECKING:
    from crnotify.cli.session import Session
    from crnotify.emulator.http_guard import LocalServer
    from crnotify.model import Config, LiveState
    from crnotify.planner.scope import Scope

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """A group whose commands are imported when one is run or listed, not when the CLI starts.

    Click's documented pattern ("Lazily Loading Subcommands"): `crnotify validate` then imports the
    module of `validate` alone, not those of the ten other commands (a few ms of cold start, growing
    with every command). `add_command` still registers a command eagerly.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy: dict[str, Callable[[], click.Command]] = {}

    def add_lazy_command(self, name: str, load: str | Callable[[], click.Command]) -> None:
        """Register `name`; `load` is `"module:attribute"` or a function returning the command."""
        self._lazy[name] = _importer(load) if isinstance(load, str) else load

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        load = self._lazy.pop(cmd_name, None)
        if load is not None:
            self.add_command(load(), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's whole first sentence, wrapped, where click would cut it at the terminal
        width with "…": a newcomer's first look at the tool should not end mid-phrase."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, _first_sentence(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _first_sentence(command: click.Command) -> str:
    if command.short_help:
        return command.short_help
    paragraph = " ".join((command.help or "").split("\n\n", 1)[0].split())
    sentence, dot, _ = paragraph.partition(". ")
    return sentence + dot.strip()


def _importer(target: str) -> Callable[[], click.Command]:
    module, _, attribute = target.partition(":")

    def load() -> click.Command:
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    return load


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="crnotify")
@click.option(
    "-v", "--verbose", count=True, help="Log more (-v info, -vv debug) to stderr. Secrets are masked."
)
@click.option("--debug", is_flag=True, help="Show a traceback for unexpected errors.")
@click.option("--local", "local", is_flag=True, default=None, help="Same as each cloud command's --local.")
@click.option(
    "--endpoint",
    "endpoint",
    default=None,
    metavar="HOST:PORT",
    help="Same as each cloud command's --endpoint.",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, debug: bool, local: bool | None, endpoint: str | None) -> None:
    """Config-as-code for container-registry event notifications.

    Declare Alibaba Cloud Container Registry (and Amazon ECR) event rules in YAML; validate, plan,
    apply and detect drift, or test them offline against the bundled emulator.

    Exit codes: 0 success or no changes, 1 error, 2 changes or drift present (plan
    --detailed-exitcode, drift). NO_COLOR turns colour off. Guide: docs/guide.md.

    \b
    Examples:
      crnotify validate notifications/
      crnotify plan notifications/ --detailed-exitcode
      crnotify apply notifications/
      crnotify --local plan examples/          # the embedded local cloud, no account needed
      crnotify -vv drift notifications/        # debug logs on stderr, secrets masked
      crnotify completion bash >> ~/.bashrc
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["local"] = local  # `crnotify --local plan …` reads as naturally as `crnotify plan --local …`
    ctx.obj["endpoint"] = endpoint
    ctx.obj["verbose"] = verbose


def paths_argument(func: F) -> F:
    """`[PATHS…]`: YAML files or directories; defaults to the current directory."""
    return click.argument("paths", nargs=-1, type=click.Path(path_type=str))(func)


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(choices),
            default=default,
            show_default=True,
            help="Output format.",
        )(func)

    return decorate


DEFAULT_CONCURRENCY = 8  # crnotify.fanout.DEFAULT_CONCURRENCY (a test keeps the two equal)
MAX_CONCURRENCY = 64  # crnotify.fanout.MAX_CONCURRENCY
_CONCURRENCY_KEY = "crnotify.concurrency"


def _remember_concurrency(ctx: click.Context, _param: click.Parameter, value: int) -> int:
    ctx.meta[_CONCURRENCY_KEY] = value
    return value


def concurrency(ctx: click.Context) -> int:
    """The command's `--concurrency` (or CRNOTIFY_CONCURRENCY): API calls made at once."""
    return int(ctx.meta.get(_CONCURRENCY_KEY, DEFAULT_CONCURRENCY))


def cloud_options(func: F) -> F:
    """Options of every command that talks to the cloud."""
    func = click.option(
        "--concurrency",
        type=click.IntRange(1, MAX_CONCURRENCY),
        envvar="CRNOTIFY_CONCURRENCY",
        default=DEFAULT_CONCURRENCY,
        show_default=True,
        expose_value=False,
        callback=_remember_concurrency,
        metavar="N",
        help="Make at most N API calls at once (reads and independent rules' writes). "
        "Env: CRNOTIFY_CONCURRENCY.",
    )(func)
    func = click.option(
        "--local",
        is_flag=True,
        default=lambda: os.environ.get("CRNOTIFY_LOCAL") == "1",
        help="Run against the embedded local cloud (state under .crnotify/). Env: CRNOTIFY_LOCAL=1.",
    )(func)
    return click.option(
        "--endpoint",
        envvar="CRNOTIFY_ENDPOINT",
        default=None,
        metavar="HOST:PORT",
        help="Send Alibaba Cloud API calls to this endpoint (an emulator). Env: CRNOTIFY_ENDPOINT.",
    )(func)


_SCOPE_KEY = "crnotify.scope"


def _remember_scope(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    ctx.meta.setdefault(_SCOPE_KEY, {})[param.name] = tuple(value)
    return value


def scope_options(func: F) -> F:
    """`--registry NAME` and `--rule NAME` (repeatable, globs): a scoped run (`planner.scope`). Read
    back with `scope(ctx)`; every command that takes them scopes its session through it."""
    func = click.option(
        "--rule",
        "scope_rules",
        multiple=True,
        metavar="NAME",
        expose_value=False,
        callback=_remember_scope,
        help="Only rules of this name (repeatable; globs such as 'ci-*'). Nothing else is read, "
        "written, deleted or reported.",
    )(func)
    return click.option(
        "--registry",
        "scope_registries",
        multiple=True,
        metavar="NAME",
        expose_value=False,
        callback=_remember_scope,
        help="Only this declared registry (repeatable; globs). Others are not connected to or read.",
    )(func)


def scope(ctx: click.Context) -> Scope:
    """The command's `--registry`/`--rule` scope; everything when it takes no such options."""
    from crnotify.planner.scope import Scope  # noqa: PLC0415

    given = ctx.meta.get(_SCOPE_KEY, {})
    return Scope(registries=given.get("scope_registries", ()), rules=given.get("scope_rules", ()))


def cloud_target(ctx: click.Context, local: bool, endpoint: str | None) -> tuple[bool, str | None]:
    """(local, endpoint) from the command's options, else the group's (`crnotify --local plan`)."""
    obj = ctx.find_root().obj or {}
    explicit = ctx.get_parameter_source("endpoint") is click.core.ParameterSource.COMMANDLINE
    if obj.get("endpoint") and not explicit:
        endpoint = obj["endpoint"]
    return bool(local or obj.get("local")), endpoint


def cloud_session(
    ctx: click.Context,
    paths: Sequence[str],
    local: bool,
    endpoint: str | None,
    *,
    config: Config | None = None,
    within: Scope | None = None,
) -> AbstractContextManager[Session]:
    """The command's session (`crnotify.cli.session.open_session`), pointed where its `cloud_options`
    (or the group's) say, making `--concurrency` calls at once, `within` the given scope (default:
    the command's `--registry`/`--rule`)."""
    from crnotify.cli.session import open_session  # noqa: PLC0415 -- the SDKs load with the session

    use_local, use_endpoint = cloud_target(ctx, local, endpoint)
    return open_session(
        paths,
        local=use_local,
        endpoint=use_endpoint,
        config=config,
        concurrency=concurrency(ctx),
        scope=scope(ctx) if within is None else within,
    )


def advice_where(ctx: click.Context, paths: Sequence[str], local: bool, endpoint: str | None) -> str:
    """What a printed command needs to run as printed from here: the configuration paths and the
    cloud options this command was given (`planner.assessment.fill_paths`)."""
    use_local, use_endpoint = cloud_target(ctx, local, endpoint)
    words = [
        *paths,
        *(["--local"] if use_local else []),
        *(["--endpoint", use_endpoint] if use_endpoint else []),
    ]
    return " " + shlex.join(words) if words else ""


def read_cloud(session: Session) -> LiveState:
    """The live state of the session's reachable registries, with the progress line on stderr."""
    from crnotify.apply import read_live  # noqa: PLC0415
    from crnotify.cli._progress import progress  # noqa: PLC0415

    if not session.scope.is_everything:
        click.echo(
            f"Scoped to {session.scope.describe()}: nothing outside it is read, written or reported.",
            err=True,
        )
    with progress("Reading the cloud"):
        return read_live(session.config, session.provider, skip=session.skipped, scope=session.scope)


def use_color(stream: Any = None) -> bool:
    """The one decision about colour, for every command: only on a terminal, and never when NO_COLOR
    is set to a non-empty value (https://no-color.org: "present and not an empty string")."""
    out: Any = stream if stream is not None else sys.stdout
    return bool(out.isatty()) and not os.environ.get("NO_COLOR")


def verbosity(ctx: click.Context) -> int:
    """How many -v were given: 0 (warnings only), 1 (info) or 2+ (debug)."""
    return int((ctx.find_root().obj or {}).get("verbose", 0))


def _guard_logs(ctx: click.Context) -> None:
    """Install the secret-masking log handler (-v levels) where logs can carry secrets: with -v, and
    for every command that talks to the cloud even without it, since the SDKs' and urllib3's warnings
    would otherwise reach stderr unmasked through logging's last-resort handler. Offline commands
    import `logging` only with -v, which keeps their start fast."""
    verbose = verbosity(ctx)
    if verbose or any(param.name == "local" for param in ctx.command.params):
        from crnotify.cli._logging import configure_logging  # noqa: PLC0415

        configure_logging(verbose)


def run(ctx: click.Context, body: Callable[[], int]) -> int:
    """The error boundary: known errors are one clear message and exit 1; Ctrl-C is 130."""
    _guard_logs(ctx)
    try:
        return body()
    except CrnotifyError as exc:
        click.echo(f"Error: {exc}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point. Usage errors exit 1 (2 is reserved for "changes present")."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="crnotify", standalone_mode=False
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_ERROR
    except CrnotifyError as exc:
        click.echo(f"Error: {exc}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if "--debug" in (argv if argv is not None else sys.argv):
            raise
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc} (rerun with --debug for a traceback)", err=True
        )
        return EXIT_ERROR
    return int(result or 0)


R = TypeVar("R", bound="LocalServer")


def listen(make: Callable[[], R], host: str, port: int) -> R:
    """A local robot's server, bound; a port that cannot be bound is a clear error."""
    try:
        return make()
    except OSError as exc:
        raise CrnotifyError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve_until_stopped(server: LocalServer) -> None:
    """Serve a local robot in the foreground until Ctrl-C, then close it."""
    click.echo(f"Received messages: {server.url}/_received. Press Ctrl-C to stop.", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        server.stop()

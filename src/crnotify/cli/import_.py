"""`crnotify import`: write YAML for the rules a registry already has; `--adopt` takes them over."""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

import shlex
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crnotify.cli._app import advice_where, cloud_options, cloud_session, paths_argument, run
from crnotify.errors import EXIT_OK, ConfigError

if TYPE_CHECKING:
    from crnotify.model import BusRule
    from crnotify.planner.scope import Scope
    from crnotify.providers.base import Imported


@click.command("import")
@paths_argument
@click.option("--registry", "registry_name", required=True, help="The declared registry to import from.")
@click.option(
    "--rule",
    "rule_names",
    multiple=True,
    help="Only this rule (repeatable; a glob such as 'ci-*' matches names). Default: all.",
)
@click.option("--all", "every", is_flag=True, help="With --adopt and no --rule: adopt every unmanaged rule.")
@click.option(
    "--adopt", is_flag=True, help="Take the rules over: write crnotify's marker on their bus rules."
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the YAML here (default: stdout)."
)
@click.option("--force", is_flag=True, help="With --out: overwrite the file if it exists.")
@cloud_options
@click.pass_context
def import_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    paths: tuple[str, ...],
    registry_name: str,
    rule_names: tuple[str, ...],
    every: bool,
    adopt: bool,
    out: Path | None,
    force: bool,
    local: bool,
    endpoint: str | None,
) -> int:
    """Print YAML for the existing rules of a registry declared in PATHS.

    Secrets come out as ${env:…} placeholders, with the variables to set (the names PATHS already
    uses for the same rule, when it declares it). --adopt also writes crnotify's marker on the rules'
    bus rules, so that plan and apply manage them from then on; on a registry with several unmanaged
    rules it needs --rule (or --all), so that rules other teams made stay theirs.

    \b
    Examples:
      crnotify import notifications/registries.yaml --registry prod-hz
      crnotify import notifications/ --registry prod-hz --rule scan-api --out notifications/imported.yaml
      crnotify import notifications/ --registry prod-hz --rule scan-api --adopt
    """

    def body() -> int:
        from crnotify import lock
        from crnotify.cli._progress import progress
        from crnotify.importer import import_rule, render_yaml, reuse_declared
        from crnotify.planner.assessment import ADOPT_COMMAND, fill_paths
        from crnotify.render._text import SKIPPED_WHY, skipped_note

        if out is not None and out.exists() and not force:
            raise ConfigError(f"{out} already exists", hint="pass --force to overwrite it")
        if every and rule_names:
            raise ConfigError("--all and --rule exclude each other: --all means every rule")
        with cloud_session(ctx, paths, local, endpoint, within=_only(registry_name)) as session:
            try:
                registry = session.config.registry(registry_name)
            except KeyError:
                declared = ", ".join(r.name for r in session.config.registries) or "none"
                raise ConfigError(
                    f"no registry named {registry_name!r} is declared (declared: {declared})"
                ) from None
            if registry.name in session.skipped:
                raise ConfigError(
                    f"registry {registry_name} was skipped, neither read nor written: {SKIPPED_WHY}",
                    hint="set AWS_ENDPOINT_URL (e.g. to a moto server), or run without --local/--endpoint",
                )
            where = advice_where(ctx, paths, local, endpoint)
            # `{rule}` stays for each rule's own hint (render_yaml and the refusal below)
            command = fill_paths(ADOPT_COMMAND.replace("{registry}", shlex.quote(registry.name)), where)
            declared_rules = {rule.name: rule for rule in session.config.rules_of(registry.name)}
            # --adopt writes markers: it holds the apply lock, as apply does, from before the read.
            with lock.hold(session.provider, [registry], enabled=adopt) as guard:
                with progress("Reading the cloud"):
                    live = session.provider.read([registry]).of(registry.name)
                if rule_names:
                    unmatched = [p for p in rule_names if not any(fnmatchcase(r.name, p) for r in live)]
                    if unmatched:
                        raise ConfigError(
                            f"no live rule named {', '.join(unmatched)} in registry {registry_name}"
                        )
                    live = tuple(r for r in live if any(fnmatchcase(r.name, p) for p in rule_names))
                items = [
                    reuse_declared(import_rule(registry, rule), declared_rules.get(rule.name))
                    for rule in live
                ]
                adoptable = [
                    item.name for item, rule in zip(items, live, strict=True) if _adoptable(item, rule.bus)
                ]
                if adopt and not rule_names and not every and len(adoptable) > 1:
                    raise ConfigError(
                        f"registry {registry_name} has {len(adoptable)} rules crnotify does not manage "
                        f"({', '.join(adoptable)}); --adopt takes over only the rules you name",
                        hint=f"name them: `{command.replace('{rule}', shlex.quote(adoptable[0]))}` "
                        "(--rule is repeatable and takes globs), or pass --all to adopt every one",
                    )
                taken = []
                for item, rule in zip(items, live, strict=True) if adopt else ():
                    if rule.bus is None or item.adoption is None or not _adoptable(item, rule.bus):
                        continue
                    guard()
                    session.provider.put_bus_rule(registry, item.adoption, rule.bus)
                    taken.append(item.name)
        if session.skipped:  # other registries of PATHS, which this import neither read nor wrote
            click.echo(skipped_note(session.skipped), err=True)
        text = render_yaml(registry, items, adopting=adopt, hint=command)
        if out is None:
            click.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {len(items)} rule(s) to {out}.", err=True)
        if adopt:
            click.echo(f"Adopted {len(taken)} rule(s): {', '.join(taken) or 'none needed'}.", err=True)
        return EXIT_OK

    return run(ctx, body)


def _only(registry_name: str) -> Scope:
    """The session's scope: this one registry. The others are not connected to, so another cloud's
    missing credentials do not stop an import (`planner.scope`)."""
    from glob import escape

    from crnotify.planner.scope import Scope

    return Scope(registries=(escape(registry_name),))


def _adoptable(item: Imported, bus: BusRule | None) -> bool:
    """A live rule `--adopt` would take over: not crnotify's yet, and importable as it is."""
    return bus is not None and not item.owned and item.adoption is not None

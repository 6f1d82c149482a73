"""`crnotify import`: write YAML for the rules a registry already has; `--adopt` takes them over."""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

from pathlib import Path

import click

from crnotify.cli._app import cloud_options, cloud_session, paths_argument, run
from crnotify.errors import EXIT_OK, ConfigError


@click.command("import")
@paths_argument
@click.option("--registry", "registry_name", required=True, help="The declared registry to import from.")
@click.option("--rule", "rule_names", multiple=True, help="Only this rule (repeatable). Default: all.")
@click.option(
    "--adopt", is_flag=True, help="Take the rules over: write crnotify's marker on their bus rules."
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the YAML here (default: stdout)."
)
@cloud_options
@click.pass_context
def import_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    paths: tuple[str, ...],
    registry_name: str,
    rule_names: tuple[str, ...],
    adopt: bool,
    out: Path | None,
    local: bool,
    endpoint: str | None,
) -> int:
    """Print YAML for the existing rules of a registry declared in PATHS.

    Secrets come out as ${env:…} placeholders, with the variables to set. --adopt also writes
    crnotify's marker on the rules' bus rules, so that plan and apply manage them from then on.

    \b
    Examples:
      crnotify import notifications/registries.yaml --registry prod-hz
      crnotify import notifications/ --registry prod-hz --rule scan-api --out notifications/imported.yaml
      crnotify import notifications/ --registry prod-hz --adopt
    """

    def body() -> int:
        from crnotify import lock
        from crnotify.cli._progress import progress
        from crnotify.importer import import_rule, render_yaml
        from crnotify.render._text import SKIPPED_WHY, skipped_note

        with cloud_session(ctx, paths, local, endpoint) as session:
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
            # --adopt writes markers: it holds the apply lock, as apply does, from before the read.
            with lock.hold(session.provider, [registry], enabled=adopt) as guard:
                with progress("Reading the cloud"):
                    live = session.provider.read([registry]).of(registry.name)
                if rule_names:
                    missing = sorted(set(rule_names) - {r.name for r in live})
                    if missing:
                        raise ConfigError(
                            f"no live rule named {', '.join(missing)} in registry {registry_name}"
                        )
                    live = tuple(r for r in live if r.name in rule_names)
                items = [import_rule(registry, rule) for rule in live]
                taken = []
                for item, rule in zip(items, live, strict=True) if adopt else ():
                    if rule.bus is None or item.owned or item.adoption is None:
                        continue
                    guard()
                    session.provider.put_bus_rule(registry, item.adoption, rule.bus)
                    taken.append(item.name)
        if session.skipped:  # other registries of PATHS, which this import neither read nor wrote
            click.echo(skipped_note(session.skipped), err=True)
        text = render_yaml(registry, items, adopting=adopt)
        if out is None:
            click.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {len(items)} rule(s) to {out}.", err=True)
        if adopt:
            click.echo(f"Adopted {len(taken)} rule(s): {', '.join(taken) or 'none needed'}.", err=True)
        return EXIT_OK

    return run(ctx, body)

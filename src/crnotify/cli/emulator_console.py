"""`crnotify emulator console …`: play the other side against an emulator — edit a bus rule, save or
create a registry rule "in the console", delete one (`crnotify.emulator.console`)."""

# ruff: noqa: PLC0415 -- the SDKs and the emulator load only when a verb runs

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import click

from crnotify.cli._app import cloud_options, cloud_target, paths_argument, run
from crnotify.errors import ConfigError

if TYPE_CHECKING:
    from crnotify.emulator.console import Console

_REGION = click.option(
    "--region", default="cn-hangzhou", show_default=True, help="Region of the rule (of its bus)."
)
_INSTANCE = click.option(
    "--instance", "instance_id", required=True, metavar="cri-…", help="The ACR instance of the rule."
)


@click.group("console")
def console() -> None:
    """Do what a person does in the cloud's console, against an emulator (--local or --endpoint).

    \b
    Examples:
      crnotify emulator console edit-bus scan-api --description "edited by hand" --local
      crnotify emulator console save scan-api --instance cri-xxx --namespace team-b --endpoint 127.0.0.1:8080
      crnotify emulator console create notifications/ --rule scan-api --local
      crnotify emulator console delete scan-api --instance cri-xxx --local
    """


def _with_console(
    ctx: click.Context, local: bool, endpoint: str | None, region: str, act: Callable[[Console], str]
) -> int:
    def body() -> int:
        from crnotify.emulator.console import open_console

        use_local, use_endpoint = cloud_target(ctx, local, endpoint)
        with ExitStack() as stack:
            message = act(open_console(stack, local=use_local, endpoint=use_endpoint, region=region))
        click.echo(message)
        return 0

    return run(ctx, body)


@console.command("edit-bus")
@click.argument("name")
@click.option("--template", default=None, help="New text of the targets' message template (Body).")
@click.option("--description", default=None, help="New description.")
@click.option("--enable/--disable", "enabled", default=None, help="Enable or disable the rule.")
@click.option("--target-url", default=None, metavar="URL", help="New webhook/URL of every target.")
@_REGION
@cloud_options
@click.pass_context
def edit_bus(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    name: str,
    template: str | None,
    description: str | None,
    enabled: bool | None,
    target_url: str | None,
    region: str,
    local: bool,
    endpoint: str | None,
) -> int:
    """Edit an EventBridge rule on the default bus, as the EventBridge console does.

    \b
    Examples:
      crnotify emulator console edit-bus scan-api --template "### edited" --local
      crnotify emulator console edit-bus hook --disable --endpoint 127.0.0.1:8080
    """

    def act(console: Console) -> str:
        from crnotify.emulator.console import BusEdit

        edit = BusEdit(template=template, description=description, enabled=enabled, target_url=target_url)
        console.edit_bus_rule(name, edit)
        return f"Edited the bus rule {name} in {region}: {', '.join(edit.changed)}."

    return _with_console(ctx, local, endpoint, region, act)


@console.command("save")
@click.argument("name")
@_INSTANCE
@click.option(
    "--namespace", "namespaces", multiple=True, help="Scope the rule to this namespace (repeatable)."
)
@click.option("--repo", "repositories", multiple=True, help="…and to these repositories of it (repeatable).")
@click.option("--tag-pattern", default=None, metavar="REGEX", help="New tag filter.")
@_REGION
@cloud_options
@click.pass_context
def save(  # noqa: PLR0917
    ctx: click.Context,
    name: str,
    instance_id: str,
    namespaces: tuple[str, ...],
    repositories: tuple[str, ...],
    tag_pattern: str | None,
    region: str,
    local: bool,
    endpoint: str | None,
) -> int:
    """Save a Container Registry event rule (with the changes given, or none): ACR regenerates its bus
    rule, discarding edits made on the bus.

    \b
    Examples:
      crnotify emulator console save scan-api --instance cri-xxx --local
      crnotify emulator console save scan-api --instance cri-xxx --namespace team-b --local
    """

    def act(console: Console) -> str:
        console.save_registry_rule(
            instance_id, name, namespaces=namespaces, repositories=repositories, tag_pattern=tag_pattern
        )
        return f"Saved the event rule {name} of {instance_id}; ACR regenerates its bus rule."

    return _with_console(ctx, local, endpoint, region, act)


@console.command("create")
@paths_argument
@click.option(
    "--rule", "rule_names", multiple=True, required=True, help="A declared rule to create (repeatable)."
)
@cloud_options
@click.pass_context
def create(
    ctx: click.Context, paths: Sequence[str], rule_names: tuple[str, ...], local: bool, endpoint: str | None
) -> int:
    """Create declared rules in the console, with the settings the YAML declares — what to do when the
    create call is unavailable; then `crnotify import --adopt --rule NAME`.

    \b
    Examples:
      crnotify emulator console create notifications/ --rule scan-api --local
    """

    def body() -> int:
        from crnotify.cli.session import load_config
        from crnotify.emulator.console import open_console
        from crnotify.providers.alibaba.convention import RegistrySpec

        config = load_config(paths)
        rules = {rule.name: rule for rule in config.rules}
        registries = {registry.name: registry for registry in config.registries}
        use_local, use_endpoint = cloud_target(ctx, local, endpoint)
        lines = []
        with ExitStack() as stack:
            for name in rule_names:
                rule = rules.get(name)
                registry = registries.get(rule.registry) if rule is not None else None
                if rule is None or registry is None or not registry.instance_id:
                    raise ConfigError(
                        f"--rule {name}: no declared Container Registry rule of that name",
                        hint=f"declared: {', '.join(sorted(rules)) or 'none'}",
                    )
                console = open_console(stack, local=use_local, endpoint=use_endpoint, region=registry.region)
                rule_id = console.create_registry_rule(registry.instance_id, RegistrySpec.of(rule))
                lines.append(
                    f"Created the event rule {name} ({rule_id}) in the console of {registry.instance_id}."
                )
        click.echo("\n".join(lines))
        return 0

    return run(ctx, body)


@console.command("delete")
@click.argument("name")
@click.option(
    "--instance", "instance_id", default=None, metavar="cri-…", help="The ACR instance of the rule."
)
@click.option("--bus", "bus_only", is_flag=True, help="Delete the EventBridge rule NAME, not an ACR rule.")
@_REGION
@cloud_options
@click.pass_context
def delete(  # noqa: PLR0917
    ctx: click.Context,
    name: str,
    instance_id: str | None,
    bus_only: bool,
    region: str,
    local: bool,
    endpoint: str | None,
) -> int:
    """Delete a Container Registry event rule (--instance), or with --bus an EventBridge rule.

    \b
    Examples:
      crnotify emulator console delete scan-api --instance cri-xxx --local
      crnotify emulator console delete lone-rule --bus --local
    """

    def act(console: Console) -> str:
        if bus_only:
            console.delete_bus_rule(name)
            return f"Deleted the bus rule {name} in {region}."
        if instance_id is None:
            raise ConfigError("delete NAME needs --instance cri-… (or --bus for an EventBridge rule)")
        console.delete_registry_rule(instance_id, name)
        return f"Deleted the event rule {name} of {instance_id}."

    return _with_console(ctx, local, endpoint, region, act)


__all__: list[Any] = ["console"]

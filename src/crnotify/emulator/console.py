"""The emulator's console: what a person does by hand in the Alibaba Cloud console, as calls — so that
the other side of crnotify (edits on the bus, saves in ACR, rules made in the console) can be played
without SDK scripts (issue 14 item 5; `crnotify emulator console …`).

Every verb goes through the official SDKs over HTTP to an emulator — the embedded one under `--local`
(the state in `.crnotify/`), or a running `crnotify emulator serve` at `--endpoint` — never to the real
cloud. Bus edits are EventBridge UpdateRule/PutTargets/EnableRule/DisableRule, a registry save is
UpdateEventCenterRule with only what the person changed, a delete is DeleteEventCenterRule (or
DeleteRule for a bus rule), and a rule created in the console is the emulator-only action
`ConsoleCreateEventCenterRule` (`wire_acr.CONSOLE_CREATE`): the console does have a create, whatever
the variant `create-call` says of the OpenAPI one.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, replace

from crnotify.errors import ConfigError, CrnotifyError, NotFound
from crnotify.model import BusRule, ParamForm, Registry, Target
from crnotify.model import Provider as ProviderKind
from crnotify.providers import connector
from crnotify.providers.alibaba import cr
from crnotify.providers.alibaba.convention import RegistrySpec
from crnotify.providers.alibaba.provider import AlibabaProvider
from crnotify.providers.base import Connection

CONSOLE_ACTION = "emulator:ConsoleCreateEventCenterRule"
_URL_KEYS = ("URL", "url")  # the DingTalk target's webhook param, the HTTP(S) target's
BODY_KEY = "Body"


@dataclass(frozen=True, slots=True)
class BusEdit:
    """What a person changes on a bus rule in the EventBridge console; None = left as it is."""

    template: str | None = None  # the text of every target's templated `Body`
    description: str | None = None
    enabled: bool | None = None
    target_url: str | None = None  # every target's webhook/URL (a secret: never echoed)

    @property
    def changed(self) -> tuple[str, ...]:
        names = ("template", "description", "enabled", "target_url")
        return tuple(name.replace("_", " ") for name in names if getattr(self, name) is not None)


class Console:
    """The console of one emulator, for one region."""

    def __init__(self, provider: AlibabaProvider, region: str) -> None:
        self.provider = provider
        self.region = region

    def registry(self, instance_id: str | None = None) -> Registry:
        return Registry(
            name="console", provider=ProviderKind.ALIBABA, region=self.region, instance_id=instance_id
        )

    # --- EventBridge ------------------------------------------------------------------------------

    def edit_bus_rule(self, name: str, edit: BusEdit) -> BusRule:
        """Edit the bus rule `name` as the EventBridge console does; the rule as it is afterwards."""
        if not edit.changed:
            raise ConfigError(
                "nothing to edit: give --template, --description, --enable/--disable or --target-url"
            )
        registry = self.registry()
        live = self.provider.read_bus_rule(registry, name)
        if live is None:
            raise NotFound(f"no EventBridge rule {name} on the default bus in {self.region}")
        targets = tuple(_edited_target(name, t, edit) for t in live.targets)
        desired = replace(
            live,
            description=live.description if edit.description is None else edit.description,
            enabled=live.enabled if edit.enabled is None else edit.enabled,
            targets=targets,
        )
        self.provider.put_bus_rule(registry, desired, live)
        found = self.provider.read_bus_rule(registry, name)
        assert found is not None
        return found

    def delete_bus_rule(self, name: str) -> None:
        registry = self.registry()
        if self.provider.read_bus_rule(registry, name) is None:
            raise NotFound(f"no EventBridge rule {name} on the default bus in {self.region}")
        self.provider.delete_bus_rule(registry, name)

    # --- Container Registry -----------------------------------------------------------------------

    def rule_id(self, instance_id: str, name: str) -> str:
        clients, context = self.provider.clients_for(self.region), self.provider.context_for(self.region)
        for rule_id, rule_name in cr.list_rule_names(clients, instance_id, context):
            if rule_name == name:
                return rule_id
        raise NotFound(f"instance {instance_id} in {self.region} has no event rule {name}")

    def save_registry_rule(
        self,
        instance_id: str,
        name: str,
        *,
        namespaces: tuple[str, ...] = (),
        repositories: tuple[str, ...] = (),
        tag_pattern: str | None = None,
    ) -> None:
        """Save the ACR rule `name` as the console's Save does — with the changes given, or none — so
        that ACR regenerates its bus rule."""
        if repositories and len(namespaces) != 1:
            raise ConfigError(
                "--repo needs exactly one --namespace (a REPO scope is one namespace's repositories)"
            )
        changes: dict[str, object] = {}
        if namespaces:
            changes["event_scope"] = "REPO" if repositories else "NAMESPACE"
            changes["namespaces"] = list(namespaces)
            if repositories:
                changes["repo_names"] = list(repositories)
        if tag_pattern is not None:
            changes["repo_tag_filter_pattern"] = tag_pattern
        rule_id = self.rule_id(instance_id, name)
        clients, context = self.provider.clients_for(self.region), self.provider.context_for(self.region)
        cr.save(clients, instance_id, rule_id, changes, context)

    def create_registry_rule(self, instance_id: str, spec: RegistrySpec) -> str:
        """Create an ACR rule in the console: its RuleId. ACR generates its bus rule."""
        clients, context = self.provider.clients_for(self.region), self.provider.context_for(self.region)
        return cr.create(clients, instance_id, spec, context, action=CONSOLE_ACTION)

    def delete_registry_rule(self, instance_id: str, name: str) -> None:
        clients, context = self.provider.clients_for(self.region), self.provider.context_for(self.region)
        cr.delete(clients, instance_id, self.rule_id(instance_id, name), context)


def _edited_target(rule: str, target: Target, edit: BusEdit) -> Target:
    params = list(target.params)
    if edit.template is not None:
        bodies = [
            i for i, p in enumerate(params) if p.resource_key == BODY_KEY and p.form is ParamForm.TEMPLATE
        ]
        if not bodies:
            raise ConfigError(
                f"target {target.id} of rule {rule} has no templated Body to edit",
                hint="--template edits a DingTalk target's message template",
            )
        for i in bodies:
            params[i] = replace(params[i], template=edit.template)
    endpoint = target.endpoint
    if edit.target_url is not None:
        endpoint = edit.target_url
        params = [
            replace(p, value=edit.target_url)
            if p.resource_key in _URL_KEYS and p.form is ParamForm.CONSTANT
            else p
            for p in params
        ]
    return replace(target, endpoint=endpoint, params=tuple(params))


def open_console(stack: ExitStack, *, local: bool, endpoint: str | None, region: str) -> Console:
    """The console of the emulator `--local` starts (its state in `.crnotify/`) or of the one at
    `endpoint`; refused without either: the console verbs never write to a real cloud."""
    if not local and not endpoint:
        raise CrnotifyError(
            "the console verbs play the other side against an emulator, never the real cloud",
            hint="pass --local (the embedded emulator, state in .crnotify/) or --endpoint HOST:PORT of a "
            "running `crnotify emulator serve`",
        )
    how = Connection(local=local, endpoint=None if local else endpoint)
    registry = Registry(name="console", provider=ProviderKind.ALIBABA, region=region)
    provider = connector(ProviderKind.ALIBABA)([registry], how, stack)
    assert isinstance(provider, AlibabaProvider)
    return Console(provider, region)

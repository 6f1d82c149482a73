"""An in-memory cloud for pure planner/apply tests: ACR rules and `default`-bus rules that follow
the ACR convention (a registry save regenerates the bus rule; the backend adds IsBase64Encode).

The HTTP emulator is the real test double for the provider; this one exists so that property tests
of plan → apply → plan can run thousands of cases without sockets.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from crnotify.errors import NotFound
from crnotify.model import (
    BusRule,
    EventType,
    LiveRule,
    LiveState,
    Notify,
    NotifyMethod,
    Param,
    ParamForm,
    Provider,
    Registry,
    Rule,
    SecretText,
)
from crnotify.planner.changes import RegistryWrite
from crnotify.providers.alibaba.convention import RegistrySpec, default_bus_rule, instance_ids
from crnotify.providers.alibaba.desired import SaveEventRule

SERVER_DEFAULT = Param(resource_key="IsBase64Encode", form=ParamForm.CONSTANT, value="false")


def with_server_defaults(rule: BusRule) -> BusRule:
    return replace(
        rule,
        targets=tuple(replace(t, params=(*t.params, SERVER_DEFAULT)) for t in reversed(rule.targets)),
    )


@dataclass
class FakeCloud:
    acr: dict[str, dict[str, tuple[str, RegistrySpec]]] = field(default_factory=dict)  # instance → name
    bus: dict[str, dict[str, BusRule]] = field(default_factory=dict)  # region → name
    calls: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    # --- out-of-band edits, as the console or another tool would make them ----------------------

    def save_registry(self, registry: Registry, spec: RegistrySpec, rule_id: str | None = None) -> str:
        assert registry.instance_id
        rules = self.acr.setdefault(registry.instance_id, {})
        if rule_id is None:
            rule_id = rules[spec.rule_name][0] if spec.rule_name in rules else f"crecr-{next(self._ids)}"
        rules[spec.rule_name] = (rule_id, spec)
        generated = default_bus_rule(spec, registry.instance_id)
        self.bus.setdefault(registry.region, {})[spec.rule_name] = with_server_defaults(generated)
        return rule_id

    def edit_bus(self, registry: Registry, name: str, **changes: object) -> None:
        rules = self.bus[registry.region]
        rules[name] = replace(rules[name], **changes)  # type: ignore[arg-type]

    # --- Provider -------------------------------------------------------------------------------

    def read(
        self, registries: Sequence[Registry], *, names: Mapping[str, Collection[str]] | None = None
    ) -> LiveState:
        self.calls.append("read")
        out = []
        for registry in registries:
            assert registry.instance_id
            acr = self.acr.get(registry.instance_id, {})
            wanted = set(acr) | set((names or {}).get(registry.name, ()))
            for name, rule in self.bus.get(registry.region, {}).items():
                if registry.instance_id in instance_ids(rule.pattern):
                    wanted.add(name)
            for name in sorted(wanted):
                bus = self.bus.get(registry.region, {}).get(name)
                rule_id = acr[name][0] if name in acr else None
                if bus is None and rule_id is None:
                    continue
                out.append(LiveRule(registry=registry.name, name=name, rule_id=rule_id, bus=bus))
        return LiveState(rules=tuple(out))

    def identity(self, registry: Registry) -> tuple[str, str]:
        return "1000000000000000", "memory"

    def read_bus_rule(self, registry: Registry, name: str) -> BusRule | None:
        self.calls.append(f"read_bus_rule {name}")
        return self.bus.get(registry.region, {}).get(name)

    def registry_side(self, registry: Registry) -> FakeCloud:
        return self

    def save_registry_rule(self, registry: Registry, write: RegistryWrite) -> None:
        assert isinstance(write, SaveEventRule)
        if write.rule_id is None:
            self.create_registry_rule(registry, write.spec)
        else:
            self.update_registry_rule(registry, write.rule_id, write.spec)

    def create_registry_rule(self, registry: Registry, spec: RegistrySpec) -> str:
        self.calls.append(f"create_registry_rule {spec.rule_name}")
        return self.save_registry(registry, spec)

    def update_registry_rule(self, registry: Registry, rule_id: str, spec: RegistrySpec) -> None:
        self.calls.append(f"update_registry_rule {spec.rule_name}")
        assert registry.instance_id
        if not any(rid == rule_id for rid, _ in self.acr.get(registry.instance_id, {}).values()):
            raise NotFound(f"no rule {rule_id}")
        self.save_registry(registry, spec, rule_id)

    def delete_registry_rule(self, registry: Registry, rule_id: str) -> None:
        self.calls.append(f"delete_registry_rule {rule_id}")
        assert registry.instance_id
        rules = self.acr.get(registry.instance_id, {})
        for name, (rid, _) in list(rules.items()):
            if rid == rule_id:
                del rules[name]
                return
        raise NotFound(f"no rule {rule_id}")

    def put_bus_rule(self, registry: Registry, desired: BusRule, live: BusRule | None) -> None:
        self.calls.append(f"put_bus_rule {desired.name}")
        self.bus.setdefault(registry.region, {})[desired.name] = with_server_defaults(desired)

    def delete_bus_rule(self, registry: Registry, name: str) -> None:
        self.calls.append(f"delete_bus_rule {name}")
        self.bus.get(registry.region, {}).pop(name, None)


REGISTRY = Registry(name="prod", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id="cri-prod")
ENV = {"DT_TOKEN": "tok-123456", "DT_SECRET": "SECabcdef", "HOOK_TOKEN": "hook-token"}


def dingtalk(token_var: str = "DT_TOKEN", secret_var: str | None = "DT_SECRET") -> Notify:
    url = SecretText(template=f"https://oapi.dingtalk.com/robot/send?access_token=${{env:{token_var}}}")
    secret = None if secret_var is None else SecretText(template=f"${{env:{secret_var}}}").resolve(ENV)
    return Notify(method=NotifyMethod.DINGTALK, url=url.resolve(ENV), secret=secret)


def http(url: str = "https://hooks.example.com/acr") -> Notify:
    return Notify(
        method=NotifyMethod.HTTPS,
        url=SecretText(template=url).resolve(ENV),
        secret=SecretText(template="${env:HOOK_TOKEN}").resolve(ENV),
    )


def rule(name: str, **kwargs: object) -> Rule:
    values: dict[str, object] = {"registry": "prod", "event_type": EventType.SCAN, "notify": dingtalk()}
    values.update(kwargs)
    return Rule(name=name, **values)  # type: ignore[arg-type]

"""The emulator's variants: each behaviour of the real cloud that no public source settles, as a named
switch with its plausible values (issue 14; docs/real-cloud.md keeps the evidence).

    crnotify emulator serve --variant success-code=200 --variant regeneration=async:500
    CRNOTIFY_EMULATOR_VARIANTS=success-code=200,errors=body crnotify --local plan …

`Variants()` is today's behaviour; every value other than a default is an alternative the cloud may
well have. `VARIANTS` is the registry — name, values, default, source, meaning — that `parse`,
`--list-variants` and docs/emulator.md are built from. The state machines (`acr.py`, `eventbridge.py`)
and the wire layer (`server.py`, `wire_*.py`) read the active `Variants`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from crnotify import jsontext, userfile
from crnotify.errors import ConfigError
from crnotify.model import BusRule, Target
from crnotify.providers.alibaba import convention

ENV_VARIABLE = "CRNOTIFY_EMULATOR_VARIANTS"
PROFILE_VARIABLE = "CRNOTIFY_EMULATOR_PROFILE"  # a `crnotify doctor --out` report, for `--local`
REPORT_BYTES = 4 << 20  # a doctor report: a few KiB per registry

# generated-description=v2 and generated-shape=v2: a second plausible answer to what ACR writes on the
# bus (nothing public shows it, issue 14 row 2). v1 is crnotify.providers.alibaba.convention's prediction.
ALTERNATE_DESCRIPTION = convention.ALTERNATE_DESCRIPTION
ALTERNATE_TARGET_ID = convention.ALTERNATE_TARGET_ID
ALTERNATE_RETRY_STRATEGY = convention.ALTERNATE_RETRY_STRATEGY

# What the OpenAPI gateway answers for an action it does not know (HTTP 404; e.g.
# https://github.com/aliyun/openapi-sdk-php-client/issues/230, https://github.com/aliyun/iotx-api-demo/issues/4)
# and a RAM denial (HTTP 403), for create-call=absent|forbidden.
UNKNOWN_ACTION_MESSAGE = "Specified api is not found, please check your url and method."
RAM_DENIED_MESSAGE = (
    "User not authorized to operate on the specified resource, or this API doesn't support RAM."
)

_ASYNC = re.compile(r"async:(\d{1,6})")
_SDK_EB = "alibabacloud_eventbridge20200401 8.7.0"
_TF = "https://github.com/aliyun/terraform-provider-alicloud"


@dataclass(frozen=True, slots=True)
class Variant:
    """One unsettled behaviour: its `--variant` name, the values it takes, where the evidence is."""

    name: str
    field: str  # the attribute of `Variants`
    values: tuple[str, ...]  # as spelled on the command line; `async:MS` stands for a number
    default: str
    source: str
    meaning: str

    def check(self, value: str) -> str:
        if value in self.values or (self.field == "regeneration" and _ASYNC.fullmatch(value)):
            return value
        offered = " or ".join(self.values)
        raise ConfigError(f"variant {self.name} takes {offered}, not {value!r}")


VARIANTS: tuple[Variant, ...] = (
    Variant(
        "success-code",
        "success_code",
        ("Success", "200"),
        "Success",
        f"SDK docstrings ({_SDK_EB}: DeleteTargets, QueryEventTraces, QueryTracedEventByEventId, "
        'ListEventBuses) and the API metadata examples answer "200"',
        "the `Code` of every successful EventBridge answer",
    ),
    Variant(
        "empty-params",
        "empty_params",
        ("absent", "empty"),
        "absent",
        f"{_TF}/blob/master/website/docs/r/event_bridge_rule.html.markdown (backend params with "
        'template = "")',
        'GetRule/ListTargets: a param\'s unset `Value`/`Template` left out, or answered as ""',
    ),
    Variant(
        "errors",
        "errors",
        ("status", "body"),
        "status",
        f"{_TF}/blob/master/alicloud/service_alicloud_event_bridge.go "
        "(checks Code on calls that did not raise)",
        "a service error as an HTTP 4xx, or as HTTP 200 with `Success: false` and the error `Code`",
    ),
    Variant(
        "update-status",
        "update_status",
        ("keep", "reset"),
        "keep",
        "https://www.alibabacloud.com/help/en/eventbridge/developer-reference/"
        "api-eventbridge-2020-04-01-updaterule (ENABLE is the default; omitting Status is undocumented)",
        "UpdateRule without `Status` keeps the rule's state, or resets it to ENABLE",
    ),
    Variant(
        "notify-status",
        "notify_status",
        ("success", "200", "[200]Ok"),
        "success",
        'API metadata example of QueryEventTraces: "[200]Ok"',
        "a successful push's trace `NotifyStatus`: `Success`, `200` or `[200]Ok`",
    ),
    Variant(
        "create-call",
        "create_call",
        ("rpc", "absent", "forbidden"),
        "rpc",
        "guess: CreateEventCenterRule is in neither SDK nor metadata; ActionTrail logs it (console)",
        "CreateEventCenterRule as an RPC action; unknown to the gateway (404 InvalidAction.NotFound); "
        "or denied by RAM (403 Forbidden.RAM)",
    ),
    Variant(
        "regeneration",
        "regeneration",
        ("sync", "async:MS"),
        "sync",
        f"guess; Terraform waits after rule state changes ({_TF}/blob/master/alicloud/"
        "resource_alicloud_event_bridge_rule.go, BuildStateConf)",
        "the generated bus rule is written with the registry save, or MS ms after it",
    ),
    Variant(
        "delete-removes-bus",
        "delete_removes_bus",
        ("yes", "no"),
        "yes",
        "guess: the docs say nothing of the bus rule after DeleteEventCenterRule",
        "DeleteEventCenterRule deletes the generated bus rule too, or leaves it on the bus",
    ),
    Variant(
        "lock-rule-targets",
        "lock_rule_targets",
        ("accepted", "required"),
        "accepted",
        "guess: CreateRule's EventTargets is optional in the SDK; whether the service accepts none is "
        "undocumented",
        "CreateRule without targets is accepted, or refused (MissingParameter EventTargets)",
    ),
    Variant(
        "generated-description",
        "generated_description",
        ("v1", "v2"),
        "v1",
        'guess: docs say only "a rule with the same name"',
        f"the generated rule's description: v1 {convention.DEFAULT_DESCRIPTION!r}, "
        f"v2 {ALTERNATE_DESCRIPTION!r}",
    ),
    Variant(
        "generated-shape",
        "generated_shape",
        ("v1", "v2"),
        "v1",
        'guess: docs say only "default DingTalk notification template"',
        f"the generated target: v1 id {convention.TARGET_ID!r}, retry {convention.RETRY_STRATEGY}; "
        f"v2 id {ALTERNATE_TARGET_ID!r}, retry {ALTERNATE_RETRY_STRATEGY}",
    ),
)
_BY_NAME = {v.name: v for v in VARIANTS}


@dataclass(frozen=True, slots=True, kw_only=True)
class Variants:
    """The active variants; the defaults are the emulator's behaviour before variants existed."""

    success_code: str = "Success"
    empty_params: str = "absent"
    errors: str = "status"
    update_status: str = "keep"
    notify_status: str = "success"
    create_call: str = "rpc"
    regeneration: str = "sync"
    delete_removes_bus: str = "yes"
    lock_rule_targets: str = "accepted"
    generated_description: str = "v1"
    generated_shape: str = "v1"

    @property
    def regeneration_ms(self) -> int:
        """How long after a registry save its bus rule appears; 0 = in the same transaction."""
        match = _ASYNC.fullmatch(self.regeneration)
        return int(match.group(1)) if match else 0

    def spelled(self) -> tuple[str, ...]:
        """`NAME=VALUE` of every variant that is not at its default, in registry order."""
        return tuple(
            f"{v.name}={getattr(self, v.field)}" for v in VARIANTS if getattr(self, v.field) != v.default
        )

    def generated_rule(self, spec: convention.RegistrySpec, instance_id: str) -> BusRule:
        """The bus rule ACR writes for a registry save, under these variants."""
        rule = convention.default_bus_rule(spec, instance_id)
        if self.generated_description == "v2":
            rule = replace(
                rule, description=ALTERNATE_DESCRIPTION.format(rule=spec.rule_name, instance=instance_id)
            )
        if self.generated_shape == "v2":
            rule = replace(rule, targets=tuple(_alternate(t) for t in rule.targets))
        return rule


def _alternate(target: Target) -> Target:
    return replace(target, id=ALTERNATE_TARGET_ID, retry_strategy=ALTERNATE_RETRY_STRATEGY)


def parse(items: Iterable[str], *, origin: str = "--variant") -> Variants:
    """`NAME=VALUE` strings as `Variants`; a ConfigError naming `origin` and the item at fault."""
    chosen: dict[str, str] = {}
    for item in items:
        name, sep, value = item.strip().partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ConfigError(f"{origin} {item!r}: expected NAME=VALUE, e.g. success-code=200")
        variant = _BY_NAME.get(name)
        if variant is None:
            raise ConfigError(
                f"{origin} {item!r}: unknown variant {name!r}",
                hint=f"the variants are {', '.join(_BY_NAME)} (`crnotify emulator serve --list-variants`)",
            )
        if variant.field in chosen and chosen[variant.field] != value:
            raise ConfigError(f"{origin}: variant {name} given twice ({chosen[variant.field]}, {value})")
        try:
            chosen[variant.field] = variant.check(value)
        except ConfigError as exc:
            raise ConfigError(f"{origin} {item!r}: {exc}") from None
    return Variants(**chosen)


def from_env(text: str | None) -> Variants:
    """`CRNOTIFY_EMULATOR_VARIANTS`: comma-separated `NAME=VALUE`; unset or empty = the defaults."""
    items = [part for part in (text or "").split(",") if part.strip()]
    return parse(items, origin=ENV_VARIABLE)


def from_report(path: str) -> tuple[str, ...]:
    """The settled variants (`NAME=VALUE`) of a `crnotify doctor --out` report: the emulator then
    behaves as the real cloud was observed to (`serve --profile`, CRNOTIFY_EMULATOR_PROFILE)."""
    try:
        report = jsontext.loads(userfile.read_text(path, limit=REPORT_BYTES))
    except userfile.UnreadableFile as exc:
        raise ConfigError(f"the profile {path}: {exc.message}", hint=exc.hint) from None
    except jsontext.JsonTextError as exc:
        raise ConfigError(f"the profile {path}: {exc}") from None
    items = report.get("variants") if isinstance(report, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError(
            f"the profile {path} is no `crnotify doctor --out` report: it needs a list `variants` of "
            "NAME=VALUE strings"
        )
    parse(items, origin=f"the profile {path}:")  # each one checked, naming the file
    return tuple(items)


def configured(items: Iterable[str] = (), *, profile: str | None = None, env: str | None = None) -> Variants:
    """The variants of a report (`profile`), then `CRNOTIFY_EMULATOR_VARIANTS` text (`env`), then
    `--variant` items: a later source overrides an earlier one variant by variant."""
    chosen: dict[str, str] = {}
    sources = (
        (from_report(profile) if profile else ()),
        [part for part in (env or "").split(",") if part.strip()],
        tuple(items),
    )
    for origin, given in zip((f"the profile {profile}:", ENV_VARIABLE, "--variant"), sources, strict=True):
        parse(given, origin=origin)
        chosen.update(item.strip().partition("=")[::2] for item in given)
    return parse([f"{name.strip()}={value.strip()}" for name, value in chosen.items()])


def describe() -> list[dict[str, object]]:
    """`--list-variants`: every variant, its values, default, source and meaning."""
    return [
        {
            "name": v.name,
            "values": list(v.values),
            "default": v.default,
            "source": v.source,
            "meaning": v.meaning,
        }
        for v in VARIANTS
    ]


assert {v.field for v in VARIANTS} == {f.name for f in fields(Variants)}  # one registry entry per field
assert all(getattr(Variants(), v.field) == v.default for v in VARIANTS)

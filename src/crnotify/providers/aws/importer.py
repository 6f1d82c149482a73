"""A live EventBridge rule for ECR → the declared rule that would produce it. Pure; used by `import`.

The inverse of `mapping.desired_bus_rule`. A rule is imported only when its pattern is exactly what
crnotify would write for some declared rule (event types, scope, tag values, scan status); otherwise
the reason is returned instead, because adopting an approximation would silently change what the
rule matches. Target details crnotify cannot read back are imported as `${env:…}` references for the
user to fill in, and listed as notes: AWS never returns secret values (DescribeConnection omits them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from crnotify import normalise, redact
from crnotify.delivery import channels, dingtalk
from crnotify.model import (
    JSON,
    BusCustomization,
    BusRule,
    EventType,
    LiveRule,
    MessageTemplate,
    Notify,
    NotifyMethod,
    ParamForm,
    Registry,
    Rule,
    ScanStatus,
    Scope,
    ScopeKind,
    SecretText,
    Target,
    TemplateFormat,
)
from crnotify.providers.aws import mapping, targets
from crnotify.providers.base import Imported
from crnotify.secrets import placeholder_path

_EVENTS = {(e.source, e.detail_type): (t, e) for t, events in mapping.EVENTS.items() for e in events}
_STATUS = {"COMPLETE": ScanStatus.COMPLETE, "FAILED": ScanStatus.FAILED}
_PLAIN = re.compile(r"[A-Za-z0-9_-]")


@dataclass(frozen=True, slots=True, kw_only=True)
class Declared:
    """The declared rule (None when the live rule cannot be declared exactly), and notes for the user."""

    name: str
    rule: Rule | None
    notes: tuple[str, ...] = ()


def declared_rule(bus: BusRule, registry: Registry) -> Declared:
    notes: list[str] = []
    try:
        event_type, scope, tag_pattern, statuses = _read_pattern(bus.pattern)
        if len(bus.targets) != 1:
            raise ValueError(f"it has {len(bus.targets)} targets; crnotify declares exactly one")
        notify, template = _read_target(bus.name, bus.targets[0], event_type, notes)
    except ValueError as exc:
        return Declared(name=bus.name, rule=None, notes=(str(exc),))
    rule = Rule(
        name=bus.name,
        registry=registry.name,
        event_type=event_type,
        notify=notify,
        scope=scope,
        tag_pattern=tag_pattern,
        scan_status=statuses,
    )
    default = mapping.default_description(rule, registry)
    customisation = BusCustomization(
        template=template,
        description=None if bus.description == default else bus.description,
        enabled=None if bus.enabled else False,
    )
    rule = replace(rule, bus=customisation)
    if normalise.pattern(mapping.desired_pattern(rule, registry)) != normalise.pattern(bus.pattern):
        return Declared(
            name=bus.name,
            rule=None,
            notes=("its pattern is not one crnotify writes (it would change on apply)",),
        )
    return Declared(name=bus.name, rule=rule, notes=tuple(notes))


# --- pattern -------------------------------------------------------------------------------------------


def _read_pattern(pattern: Mapping[str, JSON]) -> tuple[EventType, Scope, str, tuple[ScanStatus, ...]]:
    branches = pattern["$or"] if set(pattern) == {"$or"} else [pattern]
    found = []
    for branch in branches:
        if not isinstance(branch, Mapping):
            raise ValueError("its pattern is not a list of event patterns")
        sources, types = branch.get("source"), branch.get("detail-type")
        if not (isinstance(sources, list) and isinstance(types, list) and len(sources) == len(types) == 1):
            raise ValueError("its pattern does not select exactly one ECR event per branch")
        key = (str(sources[0]), str(types[0]))
        if key not in _EVENTS:
            raise ValueError(f"it selects {key[1]!r} from {key[0]}, which no crnotify event type maps to")
        found.append((*_EVENTS[key], branch))
    event_types = {event_type for event_type, _, _ in found}
    if len(event_types) != 1:
        raise ValueError("its pattern mixes events of different crnotify event types")
    event_type = event_types.pop()
    primary = next((b for _, e, b in found if e is not mapping.SCAN_ENHANCED), found[0][2])
    event = next(e for _, e, b in found if b is primary)
    detail = primary.get("detail") or {}
    if not isinstance(detail, Mapping):
        raise ValueError("its pattern's detail is not an object")
    extra = set(primary) - {"source", "detail-type", "detail", "resources"}
    extra |= set(detail) - {"repository-name", event.tag_field, "scan-status", *dict(event.fixed)}
    if extra:
        raise ValueError(f"it filters on {', '.join(sorted(extra))}, which crnotify does not declare")
    _check_fixed(event, detail, event_type)
    scope = _scope(detail.get("repository-name"))
    tag_pattern = _tag_regex(detail.get(event.tag_field))
    statuses = tuple(_STATUS[str(s)] for s in detail.get("scan-status") or () if str(s) in _STATUS)
    return event_type, scope, tag_pattern, statuses


def _check_fixed(event: mapping.EcrEvent, detail: Mapping[str, JSON], event_type: EventType) -> None:
    """The fields crnotify pins for this event (`action-type`/`result` of ECR Image Action) must be
    exactly those: an Image Action rule without them also selects deletions."""
    for key, values in event.fixed:
        if detail.get(key) != list(values):
            shown = "any value" if key not in detail else json.dumps(detail[key])
            raise ValueError(
                f"it selects {event.detail_type!r} with {key} {shown}; a crnotify {event_type.short_name} "
                f"rule selects exactly {json.dumps(list(values))}"
            )


def _scope(values: JSON) -> Scope:
    if values is None:
        return Scope()
    if not isinstance(values, list) or not values:
        raise ValueError("its repository filter is not a list")
    if all(isinstance(v, dict) and set(v) == {"prefix"} and str(v["prefix"]).endswith("/") for v in values):
        return Scope(kind=ScopeKind.NAMESPACE, namespaces=tuple(str(v["prefix"])[:-1] for v in values))
    if not all(isinstance(v, str) and "/" in v for v in values):
        raise ValueError("its repository filter is neither `namespace/` prefixes nor `namespace/repo` names")
    pairs = [str(v).rsplit("/", 1) for v in values]
    namespaces = tuple(dict.fromkeys(ns for ns, _ in pairs))
    repositories = tuple(dict.fromkeys(repo for _, repo in pairs))
    if len(namespaces) != 1:
        raise ValueError("its repositories span several namespaces, which one declared scope cannot hold")
    return Scope(kind=ScopeKind.REPO, namespaces=namespaces, repositories=repositories)


def _tag_regex(values: JSON) -> str:
    if values is None:
        return ".*"
    if not isinstance(values, list) or not values:
        raise ValueError("its tag filter is not a list")
    parts = []
    for value in values:
        if isinstance(value, str):
            parts.append(_escape(value))
        elif isinstance(value, dict) and set(value) == {"prefix"}:
            parts.append(_escape(str(value["prefix"])) + ".*")
        elif isinstance(value, dict) and set(value) == {"suffix"}:
            parts.append(".*" + _escape(str(value["suffix"])))
        elif isinstance(value, dict) and set(value) == {"wildcard"}:
            pieces = re.split(r"(?<!\\)\*", str(value["wildcard"]))
            parts.append(".*".join(_escape(p.replace("\\*", "*").replace("\\\\", "\\")) for p in pieces))
        else:
            raise ValueError(f"its tag filter uses {json.dumps(value)}, which a tag regex cannot express")
    regex = "|".join(parts)
    try:
        same = mapping.tag_values(regex) == tuple(values)
    except ValueError:
        same = False
    if not same:
        raise ValueError("its tag filter does not translate back exactly")
    return regex


def _escape(text: str) -> str:
    return "".join(c if _PLAIN.fullmatch(c) else "\\" + c for c in text)


# --- target ----------------------------------------------------------------------------------------------


def env_name(rule: str, what: str) -> str:
    """The environment variable an imported rule refers to for a value AWS does not return."""
    return "CRNOTIFY_" + re.sub(r"[^A-Za-z0-9]", "_", f"{rule}_{what}").upper()


def _read_target(
    rule: str, target: Target, event_type: EventType, notes: list[str]
) -> tuple[Notify, MessageTemplate | None]:
    if target.type != targets.TARGET_TYPE:
        raise ValueError(f"its target is {target.type!r}, not an API destination")
    auth_param = target.param("Auth")
    auth = targets.AuthSummary.from_param(auth_param) if auth_param is not None else None
    host = urlsplit(target.endpoint).hostname or ""
    method = NotifyMethod.DINGTALK if host in dingtalk.HOSTS else NotifyMethod.HTTPS

    def path_name(n: int) -> str:
        return env_name(rule, f"url_path_{n}")

    if auth is not None and auth.url is not None:  # written by crnotify: the templates are recorded
        url = SecretText(template=placeholder_path(auth.url, path_name, redact.remembered())[0])
        token = None if auth.token is None else SecretText(template=auth.token)
    else:
        query = "&".join(f"{key}=${{env:{env_name(rule, key)}}}" for key in (auth.query if auth else ()))
        endpoint = placeholder_path(target.endpoint, path_name, redact.remembered())[0]
        url = SecretText(template=endpoint + (f"?{query}" if query else ""))
        token = None
        if auth is not None and auth.header == targets.TOKEN_HEADER:
            token = SecretText(template=f"${{env:{env_name(rule, 'token')}}}")
        elif auth is not None and auth.header not in (None, targets.RULE_HEADER):
            notes.append(f"its connection sends API key header {auth.header!r}; crnotify will use its own")
        if url.env_names or token is not None:
            names = ", ".join([*url.env_names, *(token.env_names if token else ())])
            notes.append(f"AWS does not return connection secrets: set {names} before planning")
    if method is NotifyMethod.DINGTALK and token is not None:
        raise ValueError("it sends a token header to DingTalk, which crnotify does not declare")
    body = target.param("Body")
    template = None if body is None else _template(body.form, body.value, body.template, target.endpoint)
    if method is NotifyMethod.DINGTALK and template == targets.default_dingtalk_template(event_type):
        template = None
    channel = None if template is None or token is not None else template.channel
    if template is not None and template.channel is not None and channel is None:
        # A channel's message with a token header the channel cannot declare: kept as its body.
        body_text = channels.get(template.channel).body(template.format, template.text, template.title)
        template = replace(template, format=TemplateFormat.JSON, text=body_text, title=None, channel=None)
    if body is not None and body.form not in (ParamForm.ORIGINAL, ParamForm.TEMPLATE):
        raise ValueError(f"its target input is {body.form.value}, which crnotify does not declare")
    if method is NotifyMethod.DINGTALK and (body is None or body.form is ParamForm.ORIGINAL):
        raise ValueError("it sends the raw event to DingTalk, which DingTalk rejects")
    return Notify(method=method, url=url, secret=token, channel=channel), template


def _template(form: ParamForm, value: str | None, text: str | None, endpoint: str) -> MessageTemplate | None:
    if form is not ParamForm.TEMPLATE or text is None:
        return None
    paths = json.loads(value or "{}")
    variables = tuple(sorted((str(k), str(v)) for k, v in paths.items()))
    body = re.sub(
        r"<([A-Za-z0-9_\-]+)>", lambda m: "${" + m.group(1) + "}" if m.group(1) in paths else m.group(0), text
    )
    recognised = channels.recognise(body, endpoint)
    if recognised is not None:
        channel, (fmt, message_text, title) = recognised
        return MessageTemplate(
            format=fmt, text=message_text, title=title, variables=variables, channel=channel.name
        )
    try:
        message = json.loads(body)
    except ValueError:
        message = None
    if isinstance(message, dict) and message.get("msgtype") == "markdown":
        markdown = message.get("markdown") or {}
        return MessageTemplate(
            format=TemplateFormat.MARKDOWN,
            title=markdown.get("title") or None,
            text=str(markdown.get("text", "")),
            variables=variables,
        )
    if isinstance(message, dict) and message.get("msgtype") == "text":
        return MessageTemplate(
            format=TemplateFormat.TEXT,
            text=str((message.get("text") or {}).get("content", "")),
            variables=variables,
        )
    return MessageTemplate(format=TemplateFormat.JSON, text=body, variables=variables)


# --- the YAML of an imported rule -------------------------------------------------------------------


def import_rule(registry: Registry, live: LiveRule) -> Imported:
    """An ECR rule on the bus → YAML (`providers.aws.importer` decides what can be declared exactly).

    Adopting it (`--adopt`) tags it as crnotify's as it is (`providers.aws.mapping.adopted`).
    """
    if live.bus is None:
        return Imported(name=live.name, document=None, notes=("no EventBridge rule",))
    result = declared_rule(live.bus, registry)
    owned = mapping.owner(live.bus) == registry.name
    if result.rule is None:
        return Imported(name=live.name, document=None, notes=result.notes, owned=owned)
    rule = result.rule
    env = [
        (name, f"a value of rule {rule.name} that AWS does not return")
        for text in (rule.notify.url, rule.notify.secret)
        if text is not None
        for name in text.env_names
        if name.startswith("CRNOTIFY_")
    ]
    notes = tuple(note for note in result.notes if "AWS does not return" not in note)
    adoption = None if owned else mapping.adopted(live.bus, registry.name)
    return Imported(
        name=live.name,
        document=_document(rule),
        env=tuple(env),
        notes=notes,
        owned=owned,
        adoption=adoption,
    )


def _channel_default(rule: Rule, template: MessageTemplate) -> bool:
    """Whether a channel rule's message is the one it sends without `bus.template`."""
    if rule.notify.channel is None or not targets.has_default(rule.event_type):
        return False
    base = targets.default_dingtalk_template(rule.event_type)
    default = channels.default_template(rule.notify.channel, base, "")
    return (template.format, template.text, template.title) == (default.format, default.text, default.title)


def _document(rule: Rule) -> dict[str, object]:
    document: dict[str, object] = {
        "name": rule.name,
        "registry": rule.registry,
        "event": rule.event_type.short_name,
    }
    scope = rule.scope
    if scope.kind is ScopeKind.INSTANCE:
        document["scope"] = "instance"
    elif scope.kind is ScopeKind.NAMESPACE:
        document["scope"] = {"namespaces": list(scope.namespaces)}
    else:
        document["scope"] = {"namespace": scope.namespaces[0], "repositories": list(scope.repositories)}
    if rule.tag_pattern != ".*":
        document["tags"] = rule.tag_pattern
    if rule.scan_status:
        document["scan_status"] = [s.value for s in rule.scan_status]
    if rule.notify.method is NotifyMethod.DINGTALK:
        document["notify"] = {"dingtalk": {"webhook": rule.notify.url.template}}
    else:
        body: dict[str, object] = {"url": rule.notify.url.template}
        if rule.notify.secret is not None:
            body["token"] = rule.notify.secret.template
        document["notify"] = {rule.notify.channel or rule.notify.method.value: body}
    custom: dict[str, object] = {}
    if rule.bus.description is not None:
        custom["description"] = rule.bus.description
    if rule.bus.enabled is not None:
        custom["enabled"] = rule.bus.enabled
    template = rule.bus.template
    if template is not None and not _channel_default(rule, template):
        block: dict[str, object] = {"format": template.format.value}
        if template.title:
            block["title"] = template.title
        block["text"] = template.text
        defaults = dict(targets.default_variables(rule.event_type))
        extra = {k: v for k, v in template.variables if defaults.get(k) != v}
        if extra:
            block["variables"] = extra
        custom["template"] = block
    if custom:
        document["bus"] = custom
    return document

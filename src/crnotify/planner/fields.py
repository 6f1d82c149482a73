"""Field-level differences between two registry specs or two bus rules, secrets as fingerprints.

Both sides are flattened to `path → value` maps (pattern leaves, one path per target field and per
param field), then compared path by path. Paths read like `targets.acr-notify.params.Body.template`.
A value is secret when it is a signing secret or token, or a URL that carries a secret: the declared
URL interpolates `${env:…}`, or either side has a query string (DingTalk's `access_token`) or a
token in its path (`crnotify.secrets.token_segments`). Secret
values become `crnotify.secrets.fingerprint`s here, so nothing downstream of this module ever holds
them. Digests that secrets enter are secret fields too: the marker, and the `fp` of an AWS `Auth`
param, are shown only as changed / unchanged (docs/plan-apply.md, threat model).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlsplit

from crnotify import normalise, redact
from crnotify.delivery.templates import template_of
from crnotify.marker import read_marker
from crnotify.model import JSON, BusRule, Param
from crnotify.planner.changes import FieldChange
from crnotify.secrets import fingerprint, token_segments

ALWAYS_SECRET_PARAMS = frozenset({"SecretKey", "Token"})
URL_PARAMS = frozenset({"URL", "url"})


def _has_query(value: JSON) -> bool:
    """A URL that may carry a secret: a query string, or a path segment holding a token."""
    return isinstance(value, str) and bool(
        urlsplit(value).query or token_segments(value, redact.remembered())
    )


def _is_url_path(path: str) -> bool:
    parts = path.split(".")
    return path == "notify.url" or parts[-1] == "endpoint" or (len(parts) >= 2 and parts[-2] in URL_PARAMS)


def _is_secret_path(path: str) -> bool:
    parts = path.split(".")
    return (
        path in {"notify.secret", "notify.token", "marker"}
        or (len(parts) >= 2 and parts[-2] in ALWAYS_SECRET_PARAMS)
        or (len(parts) >= 2 and parts[-2:] == ["Auth", "fp"])
    )


def _flatten_pattern(prefix: str, node: Mapping[str, JSON], out: dict[str, JSON]) -> None:
    for key, value in node.items():
        path = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _flatten_pattern(path, value, out)
        else:
            out[path] = value


def flatten_bus(rule: BusRule | None) -> dict[str, JSON]:
    if rule is None:
        return {}
    rule = normalise.bus_rule(rule)
    marker = read_marker(rule.description)
    out: dict[str, JSON] = {
        "description": marker.text.strip(),
        "enabled": rule.enabled,
        "marker": marker.digest,
    }
    _flatten_pattern("pattern", rule.pattern, out)
    for target in rule.targets:
        base = f"targets.{target.id}"
        out[f"{base}.type"] = target.type
        out[f"{base}.endpoint"] = target.endpoint
        out[f"{base}.retry_strategy"] = target.retry_strategy
        for param in target.params:
            pbase = f"{base}.params.{param.resource_key}"
            message = template_of(param, url=target.endpoint) if param.resource_key == "Body" else None
            if message is not None:  # a message template reads better as its parts than as raw JSON
                out[f"{pbase}.format"] = message.format.value
                out[f"{pbase}.title"] = message.title
                out[f"{pbase}.text"] = message.text
                for name, path in message.variables:
                    out[f"{pbase}.variables.{name}"] = path
                continue
            auth = _auth_fields(param)
            if auth is not None:  # the AWS `Auth` summary: templates shown, its fingerprint a secret
                out.update({f"{pbase}.{key}": value for key, value in auth.items()})
                continue
            out[f"{pbase}.form"] = param.form.value
            out[f"{pbase}.value"] = param.value
            out[f"{pbase}.template"] = param.template
    return {path: value for path, value in out.items() if value is not None}


def _auth_fields(param: Param) -> dict[str, JSON] | None:
    if param.resource_key != "Auth" or not param.value:
        return None
    try:
        value = json.loads(param.value)
    except ValueError:
        return None
    return dict(value) if isinstance(value, dict) and "fp" in value else None


def diff(
    before: Mapping[str, JSON], after: Mapping[str, JSON], *, url_secret: bool
) -> tuple[FieldChange, ...]:
    """Changed paths, in path order. Secret sides become fingerprints."""
    changes = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        secret = _is_secret_path(path) or (
            _is_url_path(path) and (url_secret or _has_query(old) or _has_query(new))
        )
        if secret:
            # Salted with the path: these fingerprints only ever live in memory, for changed/unchanged.
            old = None if old is None else fingerprint(str(old), salt=path)
            new = None if new is None else fingerprint(str(new), salt=path)
        changes.append(FieldChange(path=path, before=old, after=new, secret=secret))
    return tuple(changes)


def bus_fields(before: BusRule | None, after: BusRule | None, *, url_secret: bool) -> tuple[FieldChange, ...]:
    return diff(flatten_bus(before), flatten_bus(after), url_secret=url_secret)


def is_declared_path(path: str, *, description: bool, enabled: bool, template: bool) -> bool:
    """Whether a bus path is one the YAML's `bus:` block sets (the rest is ACR's default)."""
    if path == "description":
        return description
    if path == "enabled":
        return enabled
    # Every part of the message: form, format, title, text and each `variables.<name>` (the template
    # declares its variables, explicitly or through the `${…}` it uses).
    return template and path.startswith("targets.") and ".params.Body." in path

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
from collections.abc import Iterable, Mapping
from dataclasses import replace
from urllib.parse import urlsplit

from crnotify import normalise, redact
from crnotify.convention import RegistrySpec, read_marker, template_of
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
        path in {"notify.secret", "marker"}
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
            message = template_of(param) if param.resource_key == "Body" else None
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


def flatten_spec(spec: RegistrySpec | None, *, tag_pattern: bool = True) -> dict[str, JSON]:
    """A registry spec as fields. `tag_pattern=False` for a spec inferred from the bus, which cannot
    show it (convention.py A2)."""
    if spec is None:
        return {}
    out: dict[str, JSON] = {
        "event_type": spec.event_type.value,
        "scope.kind": spec.scope.kind.value,
        "notify.method": spec.method.value,
        "notify.url": spec.url,
    }
    if spec.scope.namespaces:
        out["scope.namespaces"] = list(spec.scope.namespaces)
    if spec.scope.repositories:
        out["scope.repositories"] = list(spec.scope.repositories)
    if spec.scan_status:
        out["scan_status"] = [s.value for s in spec.scan_status]
    if tag_pattern:
        out["tag_pattern"] = spec.tag_pattern
    if spec.secret:
        out["notify.secret"] = spec.secret
    return out


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


def registry_fields(
    before: RegistrySpec | None,
    after: RegistrySpec | None,
    *,
    url_secret: bool,
    before_from_bus: bool = False,
) -> tuple[FieldChange, ...]:
    """`before_from_bus`: `before` was inferred from the bus rule, so the tag regex is unknown and is
    left out of the comparison on both sides."""
    return diff(
        flatten_spec(before, tag_pattern=not before_from_bus),
        flatten_spec(after, tag_pattern=not (before_from_bus and before is not None)),
        url_secret=url_secret,
    )


def last_saved_tag(
    observed: RegistrySpec | None, digest: str | None, candidates: Iterable[str]
) -> str | None:
    """The tag regex crnotify last saved, if one of `candidates` is it.

    The regex is visible nowhere (convention.py A2), but the marker's `digest` hashes the whole spec
    crnotify saved, and the bus shows every other field of it (`observed`): the candidate that,
    put into the observed spec, reproduces the digest is the saved regex. A hash cannot be inverted,
    so only the candidates worth trying (the declared regex, ACR's default `.*`) can be recognised.
    """
    if observed is None or digest is None:
        return None
    for tag in dict.fromkeys(candidates):
        if replace(observed, tag_pattern=tag).digest() == digest:
            return tag
    return None


def tag_field(
    observed: RegistrySpec | None, digest: str | None, declared: RegistrySpec
) -> FieldChange | None:
    """`tag_pattern` before → after for a registry write planned from what the bus shows; None when
    the saved regex is known to be the declared one. An unrecognised regex is shown as changed from
    an unknown value, saying why (never with the marker's digest, which depends on secrets): the
    write sends the declared regex whatever the live one is."""
    before = last_saved_tag(observed, digest, (declared.tag_pattern, ".*"))
    if before == declared.tag_pattern:
        return None
    if before is not None:
        return FieldChange(path="tag_pattern", before=before, after=declared.tag_pattern)
    why = (
        "not visible on the bus; crnotify last saved a different regex"
        if digest is not None
        else "not visible on the bus; saved outside crnotify"
    )
    return FieldChange(path="tag_pattern", after=declared.tag_pattern, before_unknown=why)


def is_declared_path(path: str, *, description: bool, enabled: bool, template: bool) -> bool:
    """Whether a bus path is one the YAML's `bus:` block sets (the rest is ACR's default)."""
    if path == "description":
        return description
    if path == "enabled":
        return enabled
    # Every part of the message: form, format, title, text and each `variables.<name>` (the template
    # declares its variables, explicitly or through the `${…}` it uses).
    return template and path.startswith("targets.") and ".params.Body." in path

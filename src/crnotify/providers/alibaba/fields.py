"""The registry side's fields: an ACR event rule's spec flattened to `path → value`, and the tag regex
that no API reads back (convention A2), recovered from the marker's digest where it can be.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from crnotify.model import JSON, NotifyMethod
from crnotify.planner.changes import FieldChange
from crnotify.planner.fields import diff
from crnotify.providers.alibaba.convention import RegistrySpec


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
        # Named as the YAML names it: a DingTalk robot's signing `secret`, an HTTP(S) endpoint's `token`.
        out[secret_path(spec.method)] = spec.secret
    return out


def secret_path(method: NotifyMethod) -> str:
    """The field path of a rule's notify secret, after its YAML key (`config/notify.py`)."""
    return "notify.secret" if method is NotifyMethod.DINGTALK else "notify.token"


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


# `import --adopt` cannot read a rule's tag regex (convention A2), so the marker it writes records the
# spec with this in place of one; no declared regex can be it, so no plan claims the rule had the `.*`
# the imported YAML starts from.
ADOPTED_TAG = "\x00tag regex unknown: adopted by crnotify import"


def adoption_digest(spec: RegistrySpec) -> str:
    """The registry digest `import --adopt` writes for a live rule whose other fields are `spec`."""
    return replace(spec, tag_pattern=ADOPTED_TAG).digest()


def saved_as_declared(digest: str | None, declared: RegistrySpec) -> bool:
    """Whether a marker's digest records the declared spec: crnotify saved it, or `import --adopt`
    adopted it and the YAML keeps the `tags: .*` the import wrote (the rule's own regex being unknown,
    the import's note asks the user to set it)."""
    return digest is not None and (
        digest == declared.digest() or (declared.tag_pattern == ".*" and digest == adoption_digest(declared))
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
    observed: RegistrySpec | None,
    digest: str | None,
    declared: RegistrySpec,
    *,
    recorded: str | None = None,
) -> FieldChange | None:
    """`tag_pattern` before → after for a registry write planned from what the bus shows; None when
    the saved regex is known to be the declared one. `recorded`: the regex crnotify's ownership
    record says it saved with `digest`, the old value when known. Else an unrecognised regex is shown
    as changed from an unknown value, saying why (never with the marker's digest, which depends on
    secrets): the write sends the declared regex whatever the live one is."""
    before = recorded or last_saved_tag(observed, digest, (declared.tag_pattern, ".*", ADOPTED_TAG))
    if before == declared.tag_pattern:
        return None
    if before == ADOPTED_TAG:
        why = (
            "not visible on the bus; the rule was adopted by `crnotify import --adopt`, which cannot read it"
        )
        return FieldChange(path="tag_pattern", after=declared.tag_pattern, before_unknown=why)
    if before is not None:
        return FieldChange(path="tag_pattern", before=before, after=declared.tag_pattern)
    why = (
        "not visible on the bus; crnotify last saved a different regex"
        if digest is not None
        else "not visible on the bus; saved outside crnotify"
    )
    return FieldChange(path="tag_pattern", after=declared.tag_pattern, before_unknown=why)

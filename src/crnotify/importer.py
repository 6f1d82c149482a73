"""`crnotify import`: YAML for rules that already exist (each cloud's `import_rule`), as one document.

What a live rule becomes, and the bus rule that adopts it (`Imported.adoption`), is its cloud's
business (`providers/<cloud>/importer.py`); this module only lays the rules out for a person, reusing
what the configuration already says of the same rule (`reuse_declared`): the `${env:…}` names the
team already sets, and the tag regex when the cloud cannot show it.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import replace

from crnotify.config.yaml_load import dump
from crnotify.model import ENV_REFERENCE, LiveRule, Registry, Rule, SecretText
from crnotify.planner.assessment import ADOPT_COMMAND, fill_paths
from crnotify.providers import cloud
from crnotify.providers.base import Imported

_URL_KEYS = ("webhook", "url")
_SECRET_KEYS = ("secret", "token")
_TAGS_NOTE = "the tag regex is not visible"


def import_rule(registry: Registry, live: LiveRule) -> Imported:
    return cloud(registry.provider).import_rule(registry, live)


def _same_shape(imported: str, declared: SecretText) -> dict[str, str] | None:
    """{imported variable: declared variable} when the two texts differ only in their `${env:…}`
    names (the same literal text around as many references), else None."""
    if ENV_REFERENCE.split(imported)[::2] != ENV_REFERENCE.split(declared.template)[::2]:
        return None
    return dict(zip(ENV_REFERENCE.findall(imported), declared.env_names, strict=True))


def reuse_declared(item: Imported, declared: Rule | None) -> Imported:
    """`item` with the variable names and tag regex the configuration already declares for the rule.

    A variable is reused only where the declared text has the same literal parts (the same host,
    path and query keys), so the YAML still says what the cloud has; the tag regex only where the
    cloud cannot show it (the imported rule has no `tags`, e.g. Alibaba's bus rules)."""
    if item.document is None or declared is None:
        return item
    document = dict(item.document)
    renames: dict[str, str] = {}
    notify = document.get("notify")
    if isinstance(notify, dict) and len(notify) == 1:
        ((method, body),) = notify.items()
        if isinstance(body, dict) and method == declared.notify.method.value:
            body = dict(body)
            for keys, text in ((_URL_KEYS, declared.notify.url), (_SECRET_KEYS, declared.notify.secret)):
                for key in keys:
                    value = body.get(key)
                    if isinstance(value, str) and text is not None:
                        mapping = _same_shape(value, text)
                        if mapping is not None:
                            renames.update(mapping)
                            body[key] = text.template
            document["notify"] = {method: body}
    notes = item.notes
    if "tags" not in document and declared.tag_pattern != ".*":
        document = _insert_after(document, "scope", "tags", declared.tag_pattern)
        notes = tuple(note for note in notes if _TAGS_NOTE not in note)
    env = tuple(dict.fromkeys((renames.get(name, name), what) for name, what in item.env))
    return replace(item, document=document, env=env, notes=notes)


def _insert_after(document: dict[str, object], after: str, key: str, value: object) -> dict[str, object]:
    """`document` with `key` placed after `after` (or last), as a person would order it."""
    items = list(document.items())
    at = next((i + 1 for i, (k, _) in enumerate(items) if k == after), len(items))
    return dict([*items[:at], (key, value), *items[at:]])


def render_yaml(
    registry: Registry, items: Sequence[Imported], *, adopting: bool, hint: str | None = None
) -> str:
    """The YAML document; `hint` is the adopt command (its `{rule}` left open) for rules not managed
    yet, by default the one that runs from where the configuration is the current directory."""
    if hint is None:
        hint = fill_paths(ADOPT_COMMAND.replace("{registry}", shlex.quote(registry.name)), "")
    lines = [
        f"# Imported by `crnotify import --registry {registry.name}` "
        f"from {registry.instance_id or f'AWS account {registry.account}'} ({registry.region}).",
        "# Review it, then run `crnotify plan`: it should show no changes once the variables below are set.",
        "version: 1",
        "rules:",
    ]
    for item in items:
        lines.append("")
        if item.document is None:
            lines += [f"  # {item.name}: not imported: {note}" for note in item.notes]
            continue
        lines += [f"  # {note}" for note in item.notes]
        seen: set[str] = set()
        for name, what in item.env:
            if name not in seen:
                seen.add(name)
                lines.append(f"  # set ${name} to {what}")
        if not item.owned and not adopting:
            adopt = hint.replace("{rule}", shlex.quote(item.name))
            lines.append(f"  # not managed by crnotify yet: adopt it with `{adopt}`")
        lines += ["  " + line if line else line for line in dump([item.document]).splitlines()]
    return "\n".join(lines) + "\n"


__all__ = ["import_rule", "render_yaml", "reuse_declared"]

"""crnotify's ownership record on Alibaba Cloud: which rules crnotify made, and what it saw of them.

Alibaba EventBridge rules have no tags, so the marker at the end of a bus rule's description
(`crnotify.marker`) was the only proof of ownership, and any console edit of the description removed
it (issue 15 item 2). The record keeps ownership apart from the rule a person edits: per ACR instance,
disabled bus rules on the `default` bus named `crnotify-owned-<instance>-<n>`, with a pattern no
service emits and one inert target (like the lock's leases, `provider.LEASE_PATTERN`), whose
description is a compact JSON map

    {"<rule>": ["<registry rule id>", "<spec digest>", "<generated digest>", "<bus digest>", "<tags>"]}

- the registry rule id crnotify saved: a rule deleted outside crnotify and made again in the console
  has another id, so a stale entry never claims it;
- the spec digest: the registry spec crnotify last saved (`RegistrySpec.digest`, as in the marker);
- the generated digest: what ACR actually generated after that save, observed (issue 14 item 1) —
  the part of it the spec does not determine (`generated_digest`), so that a later save in the
  console, of any spec, is recognised by ACR's real description text, target id and retry strategy;
- the bus digest: the bus rule crnotify then wrote, its description left out (`written_digest`), so
  that a description edit that removed the marker is told from other edits;
- the tag regex crnotify saved, which no API reads back (convention A2), when it fits.

The records are read with the region's one `ListRules` (which shows every description): no call is
added to a read. They are written after each rule's bus write or delete, serialised per instance.
No description length is documented (issue 14 row 13): a record holds entries up to
`limits.DESCRIPTION_MAX` characters, and there are as many records as that takes (usually one). A
record edited into something else than this JSON is ignored (ownership falls back to the markers) and
rewritten by the next apply that writes or deletes a rule of its instance.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from crnotify import normalise
from crnotify.marker import read_marker
from crnotify.model import BusRule, NotifyMethod, OwnershipEntry, Param, ParamForm, Target
from crnotify.providers.alibaba.convention import bus_digest
from crnotify.providers.alibaba.limits import DESCRIPTION_MAX, RECORD_PREFIX

RECORD_PATTERN = {"source": ["crnotify.owned"]}
_ENDPOINT = "https://owned.crnotify.invalid/"  # RFC 2606: can never resolve
RECORD_TARGET = Target(
    id="crnotify-owned",
    type=NotifyMethod.HTTPS.value,
    endpoint=_ENDPOINT,
    params=(
        Param(resource_key="Body", form=ParamForm.ORIGINAL),
        Param(resource_key="Network", form=ParamForm.CONSTANT, value="PublicNetwork"),
        Param(resource_key="url", form=ParamForm.CONSTANT, value=_ENDPOINT),
    ),
)


def record_prefix(instance_id: str) -> str:
    return f"{RECORD_PREFIX}{instance_id.lower()}-"


def record_name(instance_id: str, number: int) -> str:
    return f"{record_prefix(instance_id)}{number}"


def record_rule(name: str, description: str) -> BusRule:
    return BusRule(
        name=name, pattern=RECORD_PATTERN, description=description, enabled=False, targets=(RECORD_TARGET,)
    )


def generated_digest(bus: BusRule, rule_name: str, instance_id: str) -> str:
    """The form of a bus rule ACR generated: what the saved spec does not determine (its description
    with the rule and instance named generically, its state, its targets' ids and retry strategies)."""
    bus = normalise.bus_rule(bus)
    text = read_marker(bus.description).text.strip()
    text = text.replace(instance_id, "{instance}").replace(rule_name, "{rule}")
    targets = sorted([t.id, t.retry_strategy or ""] for t in bus.targets)
    return normalise.digest([text, bus.enabled, targets])


def written_digest(bus: BusRule) -> str:
    """A bus rule's digest with its description (and so its marker) left out."""
    return bus_digest(replace(normalise.bus_rule(bus), description=""))


def current(entry: OwnershipEntry | None, rule_id: str | None) -> OwnershipEntry | None:
    """`entry` if it is about the live rule (the same registry rule id, or either id unknown)."""
    if entry is None:
        return None
    if entry.rule_id is not None and rule_id is not None and entry.rule_id != rule_id:
        return None
    return entry


def _encode(entry: OwnershipEntry, *, tag: bool = True) -> list[str | None]:
    return [entry.rule_id, entry.spec, entry.generated, entry.bus, entry.tag_pattern if tag else None]


def _decode(value: object) -> OwnershipEntry | None:
    if not isinstance(value, list) or len(value) != 5:
        return None
    if not all(item is None or isinstance(item, str) for item in value):
        return None
    rule_id, spec, generated, bus, tag = value
    if not spec:
        return None
    return OwnershipEntry(rule_id=rule_id, spec=spec, generated=generated, bus=bus, tag_pattern=tag)


def parse(description: str) -> dict[str, OwnershipEntry] | None:
    """The entries of one record's description; None if it is not a record crnotify wrote."""
    try:
        document = json.loads(description)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    entries = {name: _decode(value) for name, value in document.items() if isinstance(name, str)}
    if None in entries.values() or len(entries) != len(document):
        return None
    return {name: entry for name, entry in entries.items() if entry is not None}


def _text(items: Iterable[tuple[str, list[str | None]]]) -> str:
    return json.dumps(dict(items), separators=(",", ":"), ensure_ascii=False)


def _item(name: str, entry: OwnershipEntry) -> tuple[str, list[str | None]]:
    """One entry as stored; an entry too long for a record of its own keeps no tag regex."""
    item = (name, _encode(entry))
    if len(_text([item])) > DESCRIPTION_MAX:
        item = (name, _encode(entry, tag=False))
    return item


def layout(
    placed: list[list[str]], entries: Mapping[str, OwnershipEntry]
) -> list[list[tuple[str, list[str | None]]]]:
    """`entries` spread over records, each description at most `DESCRIPTION_MAX` long. `placed`: the
    names each existing record holds, in record order; an entry stays where it is while it fits, so
    that adding a rule rewrites one record only, whatever order concurrent writes come in. The rest
    (new entries, and those that grew out of their record) go to the first record with room."""
    records: list[list[tuple[str, list[str | None]]]] = []
    homeless: list[str] = []
    for names in placed:
        record: list[tuple[str, list[str | None]]] = []
        for name in names:
            if name not in entries:
                continue
            item = _item(name, entries[name])
            if len(_text([*record, item])) <= DESCRIPTION_MAX:
                record.append(item)
            else:
                homeless.append(name)
        records.append(record)
    kept = {name for record in records for name, _ in record}
    homeless += sorted(name for name in entries if name not in kept and name not in homeless)
    for name in homeless:
        item = _item(name, entries[name])
        home = next((r for r in records if len(_text([*r, item])) <= DESCRIPTION_MAX), None)
        if home is None:
            records.append([item])
        else:
            home.append(item)
    return records


def pack(entries: Mapping[str, OwnershipEntry]) -> list[str]:
    """The records' descriptions for `entries` laid out afresh."""
    return [_text(record) for record in layout([], entries) if record]


@dataclass
class Book:
    """An instance's records as read (`descriptions`: record name → description) and their entries."""

    instance_id: str
    descriptions: dict[str, str]

    @classmethod
    def read(cls, instance_id: str, descriptions: Mapping[str, str]) -> Book:
        prefix = record_prefix(instance_id)
        return cls(instance_id, {n: d for n, d in descriptions.items() if n.startswith(prefix)})

    def entries(self) -> dict[str, OwnershipEntry]:
        out: dict[str, OwnershipEntry] = {}
        for name in sorted(self.descriptions, key=_number):
            out.update(parse(self.descriptions[name]) or {})
        return out

    def writes(self, entries: Mapping[str, OwnershipEntry]) -> list[tuple[str, str | None]]:
        """(record name, new description, or None to delete it) for each record that must change so
        that the records hold `entries`; the caller writes them and updates `descriptions`."""
        numbered = sorted(self.descriptions, key=_number)
        placed = [list(parse(self.descriptions[name]) or {}) for name in numbered]
        records = layout(placed, entries)
        last = max((_number(name) for name in numbered), default=0)
        names = [*numbered, *(record_name(self.instance_id, last + n) for n in range(1, len(records) + 1))]
        wanted = {names[i]: _text(record) for i, record in enumerate(records) if record}
        out: list[tuple[str, str | None]] = [
            (name, text) for name, text in wanted.items() if self.descriptions.get(name) != text
        ]
        out += [(name, None) for name in numbered if name not in wanted]
        return out


def _number(name: str) -> int:
    tail = name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0

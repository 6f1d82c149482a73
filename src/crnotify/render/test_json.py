"""`crnotify test` results as versioned JSON (`format`, `format_version`, sorted keys), for tools: per
event file each rule's verdict with its messages, the expectations and deliveries; then the totals.
schemas/output/test.schema.json."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.offline.verdicts import EventResult, summary
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 2  # 2: the one JSON convention (`format_version` and `format`; 1 called it `version`)


def render(results: Sequence[EventResult]) -> str:
    payload = {
        "events": [
            {
                "path": r.case.path,
                "event_id": r.case.event.get("id"),
                "rules": [
                    {
                        "registry": v.registry,
                        "rule": v.rule,
                        "fires": v.fires,
                        "skipped": v.skipped,
                        "reason": v.reason,
                        "messages": [
                            {
                                "target_id": m.target_id,
                                "kind": m.kind,
                                "endpoint": m.endpoint,
                                "signed": m.signed,
                                "headers": dict(m.headers),
                                "body": m.body,
                                "error": m.error,
                            }
                            for m in v.messages
                        ],
                    }
                    for v in r.verdicts
                ],
                "expectations": [
                    {"description": c.description, "passed": c.passed, "detail": c.detail} for c in r.checks
                ],
                "deliveries": [
                    {
                        "rule": s.rule,
                        "target_id": s.target_id,
                        "endpoint": s.endpoint,
                        "ok": s.ok,
                        "detail": s.detail,
                    }
                    for s in r.sent
                ],
            }
            for r in results
        ],
        "summary": summary(results),
    }
    return json_document(versioned("test", FORMAT_VERSION, payload))

"""The health renderers, pinned by golden files (`CRNOTIFY_UPDATE_GOLDEN=1` regenerates them; review
the diff), and the Markdown checked as GitHub renders it (cmark-gfm)."""

from __future__ import annotations

import json

import cmarkgfm

from crnotify import health
from crnotify.render import health_json, health_markdown, health_text
from test_render import check

READINGS = [
    health.Reading("prod", "ok", "ACR event records + EventBridge traces", in_scope=2, matched=2,
                   pushes=(health.Push("e1", 1, True), health.Push("e2", 2, True))),
    health.Reading("prod", "robot", "ACR event records + EventBridge traces", in_scope=3, matched=3, pushes=(
        health.Push("e3", 3, True),
        health.Push("e4", 4, False, "errcode 130101: send too fast, exceed 20 times per minute", 4),
        health.Push("e5", 5, False, "errcode 310000: sign not match"),
    )),
    health.Reading("prod", "edited", "ACR event records + EventBridge traces", in_scope=3, matched=0),
    health.Reading("prod", "quiet|pipe", "ACR event records + EventBridge traces", in_scope=0, matched=0),
    health.Reading("prod", "new", "ACR event records + EventBridge traces", in_scope=None, matched=None,
                   note="no ACR event rule of this name on the instance: not applied"),
    health.Reading("ecr", "aws-rule", "CloudWatch AWS/Events metrics", in_scope=None, matched=5,
                   delivered_count=4, failed_count=1, answers=(("ThrottledRules: 1 throttled", 1),)),
]  # fmt: skip
REPORT = health.report(READINGS, since_seconds=5 * 86_400, window_seconds=3 * 86_400, skipped=("other",))


def test_health_text() -> None:
    check("health_mixed.txt", health_text.render(REPORT))


def test_health_json() -> None:
    text = health_json.render(REPORT)
    check("health_mixed.json", text)
    assert json.loads(text)["exit_code"] == health.EXIT_UNHEALTHY


def test_health_markdown_renders_as_a_table() -> None:
    text = health_markdown.render(REPORT)
    check("health_mixed.md", text)
    html = cmarkgfm.github_flavored_markdown_to_html(text)
    assert html.count("<tr>") == len(READINGS) + 1
    assert "quiet|pipe" in html  # the escaped pipe stays in its cell
    assert "<blockquote>" in html  # the window warning

"""`plan --format markdown` and `drift --format markdown`: pull-request comments pinned by golden files,
checked through GitHub's own Markdown parser (cmark-gfm) for structure, escaping and secrets, and kept
under GitHub's comment limit by leaving out whole rule sections.

Regenerate the golden files with `CRNOTIFY_UPDATE_GOLDEN=1 pytest tests/test_render_markdown.py` and
review the diff: these files are the user interface.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from crnotify.apply import read_live
from crnotify.drift import DriftItem, DriftKind, DriftReport, detect
from crnotify.model import Provider, Registry
from crnotify.planner import Action, Change, FieldChange, Plan, PlanError, RuleRef, plan
from crnotify.render import _markdown as md
from crnotify.render import drift_markdown, plan_markdown
from support.fakecloud import ENV, REGISTRY
from test_render import create_plan, mixed_cloud

GOLDEN = Path(__file__).parent / "golden"
ALLOWED_TAGS = {
    "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "details", "summary",
    "ul", "li", "strong", "em", "blockquote", "a",
}  # fmt: skip
HOSTILE = "a|b`c<script>alert(1)</script>@org/team **x** [l](http://e.x)"
TOKEN_URL = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef&timestamp=1&sign=c2lnbg%3D%3D"


# GitHub's limit on a comment body, written out: the renderers' constant must not drift from it.
GITHUB_COMMENT_LIMIT = 65_536


def check(name: str, text: str) -> None:
    for secret in ENV.values():
        assert secret not in text, f"secret leaked into {name}"
    path = GOLDEN / name
    if os.environ.get("CRNOTIFY_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


class Page(HTMLParser):
    """The HTML GitHub's parser makes of the comment: its tags, and the text of each `code` element."""

    def __init__(self, markdown: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.codes: list[str] = []
        self.text: list[str] = []
        self.links: list[str | None] = []
        self.prose: list[str] = []  # text outside code, where GitHub turns @name into a mention
        self._in_code = 0
        self.feed(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href"))
        if tag == "code":
            self._in_code += 1
            self.codes.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._in_code -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_code:
            self.codes[-1] += data
        else:
            self.prose.append(data)


def assert_github_safe(markdown: str) -> Page:
    page = Page(markdown)
    assert set(page.tags) <= ALLOWED_TAGS, set(page.tags) - ALLOWED_TAGS
    # GitHub links bare URLs in text by itself; a link crnotify's output makes must not exist.
    assert all(href and "(" not in href for href in page.links), page.links
    lines = markdown.splitlines()
    opened = sum(line.startswith("<details><summary>") for line in lines)
    assert opened == lines.count("</details>") == page.tags.count("details")
    assert md.size(markdown) <= GITHUB_COMMENT_LIMIT
    return page


# --- golden files --------------------------------------------------------------------------------


def test_create_plan_markdown() -> None:
    text = plan_markdown.render(create_plan())
    assert_github_safe(text)
    check("plan_create.md", text)


def test_mixed_plan_markdown() -> None:
    now, cloud = mixed_cloud()
    text = plan_markdown.render(plan(now, read_live(now, cloud)))
    page = assert_github_safe(text)
    check("plan_mixed.md", text)
    # the discarded bus edit is called out before the details, and again in its rule's section
    assert text.index("> [!WARNING]") < text.index("<details>")
    assert "`prod/edited`: `description`" in text
    assert "prod/edited</code>: ~ update, ↻ reapply-bus — ⚠️ discards 1 bus edit(s)" in text
    assert "| `notify.secret` | _sensitive_ | _sensitive: removed_ |" in text
    assert "crnotify import --registry prod --rule taken --adopt" in page.codes


def test_no_changes_plan_markdown() -> None:
    text = plan_markdown.render(Plan(registries=(REGISTRY,)))
    assert text == (
        "<!-- crnotify:plan -->\n\n### crnotify plan: no changes\n\nThe cloud matches the configuration.\n"
    )


def test_drift_markdown() -> None:
    now, cloud = mixed_cloud()
    text = drift_markdown.render(detect(now, read_live(now, cloud)))
    page = assert_github_safe(text)
    check("drift_mixed.md", text)
    assert text.index("> [!WARNING]") < text.index("| Registry |")
    assert "prod/edited</code>: registry_changed, bus_changed — ⚠️ bus edited outside crnotify" in text
    assert page.tags.count("details") == 6


def test_no_drift_markdown() -> None:
    assert "### crnotify drift: none" in drift_markdown.render(DriftReport())


# --- secrets and hostile text --------------------------------------------------------------------


def test_secrets_are_only_ever_sensitive_status() -> None:
    fields = (
        FieldChange(path="notify.url", before="fp-aaaa", after="fp-bbbb", secret=True),
        FieldChange(path="notify.secret", before="fp-cccc", after="fp-cccc", secret=True),
        FieldChange(path="notify.token", before=None, after="fp-dddd", secret=True),
        # Values the planner did not mark secret, carrying DingTalk's query secrets anyway.
        FieldChange(path="description", before=None, after="?access_token=0123456789abcdef"),
        FieldChange(path="targets.t.params.Body.text", before="a\nb", after=f"see\n{TOKEN_URL}"),
    )
    change = Change(action=Action.UPDATE, registry="prod", rule="r", fields=fields, discards=fields[3:4])
    text = plan_markdown.render(Plan(changes=(change,), registries=(REGISTRY,)))
    assert_github_safe(text)
    assert "fp-" not in text
    assert "0123456789abcdef" not in text
    assert "c2lnbg" not in text
    assert "+ https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1&sign=***\n" in text
    assert '| `description` | — | `"?access_token=***"` |' in text
    assert "| `notify.url` | _sensitive_ | _sensitive: changed_ |" in text
    assert "| `notify.secret` | _sensitive_ | _sensitive: unchanged_ |" in text
    assert "| `notify.token` | — | _sensitive: added_ |" in text


def test_user_text_is_shown_as_written_and_never_markup() -> None:
    hostile_registry = Registry(
        name="r|eg", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id="cri-x"
    )
    change = Change(
        action=Action.CREATE,
        registry="r|eg",
        rule=HOSTILE,
        fields=(
            FieldChange(path="bus.description", after=HOSTILE),
            FieldChange(path="bus.template.text", after="```\nline `two` | </details> <img src=x>\n@here"),
        ),
        reasons=(f"because {HOSTILE}",),
    )
    result = Plan(
        changes=(change,),
        errors=(PlanError(registry="r|eg", rule=HOSTILE, message=HOSTILE, hint=HOSTILE),),
        unmanaged=(RuleRef(registry="r|eg", rule=HOSTILE),),
        registries=(hostile_registry,),
    )
    text = plan_markdown.render(result)
    page = assert_github_safe(text)
    assert "script" not in page.tags
    assert "img" not in page.tags
    assert page.links == ["http://e.x"] * page.links.count("http://e.x")  # only bare-URL autolinks
    assert f"r|eg/{HOSTILE}" in page.codes  # error list, shown exactly as written
    assert HOSTILE in "".join(page.text).replace("\u2060", "")
    assert "@org" not in "".join(page.prose)  # no mention: a word joiner follows each @
    for line in text.splitlines():  # every table row has its header's number of cells
        if line.startswith("| "):
            assert len(re.split(r"(?<!\\)\|", line)) - 2 in (3, 5), line
    assert "</details>" in "\n".join(page.text)  # the template's `</details>` is text, not a tag
    assert page.tags.count("details") == 1


def test_drift_details_are_escaped() -> None:
    report = DriftReport(
        items=(DriftItem(registry="prod", rule=HOSTILE, kind=DriftKind.BUS_CHANGED, detail=HOSTILE),)
    )
    page = assert_github_safe(drift_markdown.render(report))
    assert "script" not in page.tags
    assert set(page.links) == {"http://e.x"}  # the bare URL, not the `[l](…)` link


# --- GitHub's comment limit ----------------------------------------------------------------------


def _big_plan(rules: int) -> Plan:
    text = "\n".join(f"line {i} ${{Tag}} " + "x" * 60 for i in range(40))
    changes = tuple(
        Change(
            action=Action.REAPPLY_BUS,
            registry="prod",
            rule=f"rule-{i:04d}",
            fields=(FieldChange(path="targets.t.params.Body.text", before="old\ntext", after=text),),
        )
        for i in range(rules)
    )
    return Plan(changes=changes, registries=(REGISTRY,))


@pytest.mark.parametrize("limit", [None, 20_000])
def test_large_plans_leave_out_whole_sections_and_say_so(limit: int | None) -> None:
    if limit is None:  # the default, as `plan --format markdown` renders
        text, limit = plan_markdown.render(_big_plan(300)), GITHUB_COMMENT_LIMIT
    else:
        text = plan_markdown.render(_big_plan(300), limit=limit)
    assert md.size(text) <= limit
    shown = text.count("<details>")
    assert text.count("</details>") == shown
    assert 0 < shown < 300
    assert f"> {300 - shown} rule section(s) left out to stay under GitHub's 65,536-character" in text
    assert "`crnotify plan --format json`" in text
    assert f"rule-{shown - 1:04d}" in text
    assert f"rule-{shown:04d}" not in text
    assert "| `prod` (alibaba, cn-hangzhou) | 0 | 0 | 0 | 300 |" in text  # the summary counts all


def test_a_plan_that_fits_has_no_note() -> None:
    text = plan_markdown.render(_big_plan(3))
    assert text.count("<details>") == 3
    assert "left out" not in text


def test_large_drift_reports_are_cut_too() -> None:
    items = tuple(
        DriftItem(registry="prod", rule=f"rule-{i:05d}", kind=DriftKind.UNMANAGED, detail="x" * 200)
        for i in range(2_000)
    )
    text = drift_markdown.render(DriftReport(items=items))
    assert md.size(text) <= GITHUB_COMMENT_LIMIT
    assert "rule section(s) left out" in text


def test_size_counts_utf16_units() -> None:
    assert md.size("a⚠️😀") == 1 + 2 + 2

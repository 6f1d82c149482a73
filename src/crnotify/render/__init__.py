"""Renderers: pure functions from results to strings. No I/O, no YAML, no click.

One convention: `render/<subject>_<format>.py`, one subject (plan, apply, drift, diagnostics, rules,
traces, test) in one format (text, json, markdown, sarif, github), whose entry is
`render(...) -> str`. So `crnotify drift --format json` is `drift_json.render(report)`, and a new
format of a subject is a new module beside the others, not a branch in one. A module may expose
helpers under other names (`apply_text.step_line` for progress lines, `diagnostics_text.
render_diagnostics` for commands that stop on an invalid config, `traces_text.pushed`). Bits shared
between renderers are private modules: `_text` (escaping, JSON documents), `_style` (colour, values,
text diffs), `_markdown` (GitHub-flavoured Markdown and comment limits). tests/test_structure.py
holds every public module to the convention; golden files (tests/golden) pin the output.
"""

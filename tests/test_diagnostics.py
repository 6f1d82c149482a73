from __future__ import annotations

from crnotify.diagnostics import Severity, count, error, has_errors, quote, sort_diagnostics, warning
from crnotify.source import Mark, SourceMap


def test_sorted_top_to_bottom_errors_first_duplicates_dropped() -> None:
    a = error("CRN205", "late").at(Mark("a.yaml", 9, 1))
    b = warning("CRN216", "same place").at(Mark("a.yaml", 2, 3))
    c = error("CRN101", "same place").at(Mark("a.yaml", 2, 3))
    d = error("CRN001", "other file").at(Mark("b.yaml", 1, 1))
    ordered = sort_diagnostics([d, a, b, c, a])
    assert ordered == (c, b, a, d)


def test_sort_is_stable_for_full_ties() -> None:
    first = error("CRN101", "x", hint="first").at(Mark("a.yaml", 1, 1))
    second = error("CRN101", "x", hint="second").at(Mark("a.yaml", 1, 1))
    assert sort_diagnostics([first, second]) == (first, second)


def test_count_and_has_errors() -> None:
    diagnostics = [warning("CRN216", "w"), error("CRN101", "e"), warning("CRN209", "w2")]
    assert count(diagnostics) == (1, 2)
    assert has_errors(diagnostics)
    assert not has_errors(diagnostics[::2])


def test_location_forms() -> None:
    assert error("CRN001", "m").location == ""
    located = error("CRN004", "m", path=("rules", 0)).located(SourceMap("f.yaml"))
    assert located.location == "f.yaml:1:1"
    assert located.path_text == "rules[0]"
    assert located.severity is Severity.ERROR


def test_quote_keeps_backslashes() -> None:
    assert quote(r"v[0-9]+\..*") == r"'v[0-9]+\..*'"
    assert quote("it's") == '"it\'s"'

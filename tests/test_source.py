from __future__ import annotations

from crnotify.source import Mark, SourceMap, format_path


def make_map() -> SourceMap:
    source = SourceMap("c.yaml")
    source.add_value((), 1, 1)
    source.add_key(("rules",), 2, 1)
    source.add_value(("rules",), 3, 3)
    source.add_value(("rules", 0), 3, 5)
    source.add_key(("rules", 0, "name"), 3, 5)
    source.add_value(("rules", 0, "name"), 3, 11)
    return source


def test_lookup_exact_value_and_key() -> None:
    source = make_map()
    assert source.lookup(("rules", 0, "name")) == Mark("c.yaml", 3, 11)
    assert source.lookup(("rules", 0, "name"), key=True) == Mark("c.yaml", 3, 5)


def test_lookup_falls_back_to_nearest_ancestor() -> None:
    source = make_map()
    # A missing field is reported where its parent mapping starts.
    assert source.lookup(("rules", 0, "notify", "dingtalk")) == Mark("c.yaml", 3, 5)
    # A key mark is only used when the key exists; otherwise the value rules apply.
    assert source.lookup(("rules", 0, "notify"), key=True) == Mark("c.yaml", 3, 5)
    assert source.lookup(("registries", 4)) == Mark("c.yaml", 1, 1)


def test_lookup_in_an_empty_map_is_the_start_of_the_file() -> None:
    assert SourceMap("x.yaml").lookup(("a", 1)) == Mark("x.yaml", 1, 1)


def test_first_mark_wins() -> None:
    source = SourceMap("c.yaml")
    source.add_value(("a",), 1, 4)
    source.add_value(("a",), 9, 9)  # a merged value must not move an explicit one
    assert source.lookup(("a",)) == Mark("c.yaml", 1, 4)
    assert ("a",) in source
    assert len(source) == 1


def test_format_path() -> None:
    assert format_path(()) == "$"
    assert format_path(("rules", 2, "notify", "dingtalk")) == "rules[2].notify.dingtalk"
    assert format_path((0, "a")) == "[0].a"
    assert str(Mark("f.yaml", 3, 7)) == "f.yaml:3:7"

"""`crnotify.fanout` (bounded calls whose results submit more calls) and the CLI's progress indicator."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

import pytest

from crnotify.cli import _app, main
from crnotify.cli._progress import progress
from crnotify.fanout import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, Fanout, listening


class Gauge:
    """Counts calls in progress at once, from inside the calls themselves."""

    def __init__(self) -> None:
        self.now = self.peak = self.calls = 0
        self._lock = threading.Lock()

    def call(self, value: int, seconds: float = 0.02) -> Callable[[], int]:
        def run() -> int:
            with self._lock:
                self.now += 1
                self.calls += 1
                self.peak = max(self.peak, self.now)
            time.sleep(seconds)  # long enough for the other workers to start theirs
            with self._lock:
                self.now -= 1
            return value

        return run


def test_at_most_limit_calls_run_at_once_and_callbacks_run_on_the_caller() -> None:
    gauge, seen, threads = Gauge(), [], set()
    fan = Fanout(3)
    for value in range(12):
        fan.submit(gauge.call(value), then=lambda v: (seen.append(v), threads.add(threading.get_ident())))
    fan.run()
    assert sorted(seen) == list(range(12))
    assert threads == {threading.get_ident()}
    assert 2 <= gauge.peak <= 3


def test_callbacks_may_submit_more_calls() -> None:
    gauge, seen = Gauge(), []
    fan = Fanout(4)

    def expand(value: int) -> None:
        seen.append(value)
        if value < 100:
            for child in range(3):
                fan.submit(gauge.call(value * 10 + 100 + child, 0.001), then=expand)

    fan.submit(gauge.call(1, 0.001), then=expand)
    fan.run()
    assert sorted(seen) == [1, 110, 111, 112]


def test_the_first_failure_stops_the_run_and_is_raised() -> None:
    gauge = Gauge()

    def boom() -> int:
        raise RuntimeError("boom")

    fan = Fanout(2)
    fan.submit(boom, then=lambda _: None)
    for value in range(20):
        fan.submit(gauge.call(value, 0.05), then=lambda _: None)
    with pytest.raises(RuntimeError, match="boom"):
        fan.run()
    assert gauge.calls < 20  # the calls not started were cancelled
    assert gauge.now == 0  # the ones running had finished when run() raised


def test_one_at_a_time_runs_inline_and_depth_first() -> None:
    order: list[str] = []
    fan = Fanout(1)

    def step(rule: str, index: int) -> Callable[[], str]:
        def run() -> str:
            assert threading.current_thread() is threading.main_thread()
            order.append(f"{rule}{index}")
            return rule

        return run

    def chain(rule: str, index: int) -> None:
        fan.submit(step(rule, index), then=lambda rule: chain(rule, index + 1) if index < 3 else None)

    chain("a", 1)
    chain("b", 1)
    fan.run()
    assert order == ["a1", "a2", "a3", "b1", "b2", "b3"]


@pytest.mark.parametrize("limit", [0, MAX_CONCURRENCY + 1])
def test_the_bound_is_checked(limit: int) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        Fanout(limit)


def test_progress_reaches_a_listener() -> None:
    reports: list[tuple[int, int]] = []
    with listening(lambda done, total: reports.append((done, total))):
        fan = Fanout(2)
        for value in range(4):
            fan.submit(Gauge().call(value, 0.001), then=lambda _: None)
        fan.run()
    assert reports[-1] == (4, 4)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert Fanout(2)._progress is None  # outside the context nobody listens


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_indicator_is_drawn_on_a_terminal_and_erased() -> None:
    tty = Terminal()
    with progress("Reading the cloud", stream=tty, delay=0) as shown:
        fan = Fanout(2)
        for value in range(3):
            fan.submit(Gauge().call(value, 0.001), then=lambda _: None)
        fan.run()
        shown.echo("+ created prod/hook")
    text = tty.getvalue()
    assert "Reading the cloud: 3/3 calls" in text
    assert "\r\x1b[K+ created prod/hook\n" in text  # the indicator is erased before a line
    assert text.endswith("\r\x1b[K")  # and at the end


def test_nothing_but_the_lines_when_not_a_terminal() -> None:
    pipe = io.StringIO()
    with progress("Reading the cloud", stream=pipe, delay=0) as shown:
        fan = Fanout(2)
        fan.submit(Gauge().call(1, 0.001), then=lambda _: None)
        fan.run()
        shown.echo("+ created prod/hook")
    assert pipe.getvalue() == "+ created prod/hook\n"


def test_the_cli_bound_matches_the_core_and_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert (_app.DEFAULT_CONCURRENCY, _app.MAX_CONCURRENCY) == (DEFAULT_CONCURRENCY, MAX_CONCURRENCY)
    assert main(["plan", "--concurrency", "0", "--endpoint", "127.0.0.1:1", "nowhere"]) == 1
    assert "--concurrency" in capsys.readouterr().err

"""A one-line progress indicator on stderr while the cloud is being called, on a terminal only.

    with progress("Reading the cloud") as shown:
        live = read_live(config, provider)      # every crnotify.fanout run inside reports to it
        shown.echo("a line")                    # printed above the indicator, which is redrawn

Nothing at all is written when stderr is not a terminal (CI logs, pipes, `2>file`), and nothing ever
goes to stdout, so `--format json` output stays clean. The line appears only once the work has taken
`delay` seconds ("more than a moment"), is redrawn as calls finish and by a ticker thread while a slow
call is pending, and is erased at the end.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import click

from crnotify.fanout import listening

DELAY_S = 0.5
TICK_S = 0.1
_FRAMES = "|/-\\"
_ERASE = "\r\x1b[K"  # carriage return, then erase to the end of the line


class Indicator:
    def __init__(self, stream: TextIO, label: str, delay: float) -> None:
        self._stream, self._label, self._delay = stream, label, delay
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._done = self._total = self._frame = 0
        self._visible = False
        self._closed = threading.Event()

    def update(self, done: int, total: int) -> None:
        """`crnotify.fanout`'s progress callback."""
        with self._lock:
            self._done, self._total = done, total
            self._draw()

    def echo(self, line: str) -> None:
        """Print a line of output to the stream without tearing the indicator."""
        with self._lock:
            if self._visible:
                self._stream.write(_ERASE)
                self._visible = False
            click.echo(line, file=self._stream)
            self._draw()

    def tick(self) -> None:
        while not self._closed.wait(TICK_S):
            with self._lock:
                self._frame += 1
                self._draw()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self._visible:
                self._stream.write(_ERASE)
                self._stream.flush()
                self._visible = False

    def _draw(self) -> None:
        if self._closed.is_set() or time.monotonic() - self._started < self._delay:
            return
        counts = f": {self._done}/{self._total} calls" if self._total else ""
        frame = _FRAMES[self._frame % len(_FRAMES)]
        self._stream.write(f"{_ERASE}{frame} {self._label}{counts}")
        self._stream.flush()
        self._visible = True


class _Plain:
    """Not a terminal: lines are printed, and no indicator is drawn."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def echo(self, line: str) -> None:
        click.echo(line, file=self._stream)


@contextmanager
def progress(
    label: str, *, stream: TextIO | None = None, delay: float = DELAY_S
) -> Iterator[Indicator | _Plain]:
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        yield _Plain(out)
        return
    indicator = Indicator(out, label, delay)
    ticker = threading.Thread(target=indicator.tick, name="crnotify-progress", daemon=True)
    ticker.start()
    try:
        with listening(indicator.update):
            yield indicator
    finally:
        indicator.close()
        ticker.join()

"""Bounded concurrent calls whose results may ask for more calls: how live state is read and applied.

    fan = Fanout(limit=8)
    fan.submit(lambda: list_rules(region), then=lambda rules: ...)   # `then` may submit more calls
    fan.run()                                                        # until nothing is pending

At most `limit` calls run at once, on worker threads (`concurrent.futures.ThreadPoolExecutor`); every
`then` runs on the thread that called `run`, one at a time, as calls finish — so callbacks share plain
dicts without locks, and a call is submitted the moment what it depends on is known (the critical path
stays as short as the dependencies allow). The first exception a call raises stops the run: calls not
started are cancelled, running ones are waited for (a thread cannot be interrupted), and it is raised.

Progress: a command that wants to show it wraps the work in `with listening(callback):`; every
`Fanout` run inside reports `callback(done, total)` from the calling thread as calls finish. Library
callers that do not listen pay nothing.

The bound is `--concurrency N` / CRNOTIFY_CONCURRENCY (default 8): enough to overlap the round trips
of a few regions' reads, few enough to stay well under the vendors' per-API rate limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64

T = TypeVar("T")
Progress = Callable[[int, int], None]  # (calls done, calls submitted so far)

_listener: ContextVar[Progress | None] = ContextVar("crnotify_fanout_progress", default=None)


@contextmanager
def listening(callback: Progress) -> Iterator[None]:
    """Report the progress of every `Fanout` run in this context to `callback(done, total)`."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


class Fanout:
    def __init__(self, limit: int = DEFAULT_CONCURRENCY) -> None:
        if not 1 <= limit <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY}, not {limit}")
        self.limit = limit
        self._queued: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []
        self._done = self._total = 0
        self._progress = _listener.get()

    def submit(self, call: Callable[[], T], then: Callable[[T], None]) -> None:
        """Run `call` on a worker; then `then(result)` on the thread running `run`."""
        self._queued.append((call, then))
        self._total += 1

    def run(self) -> None:
        if self.limit == 1:
            self._run_inline()
            return
        if not self._queued:
            return
        # Here, not at the top: concurrent.futures imports logging, which `crnotify --help` and
        # `validate` (importing this module for its constants) need not pay for.
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait  # noqa: PLC0415

        pending: dict[Future[Any], Callable[[Any], None]] = {}
        with ThreadPoolExecutor(max_workers=self.limit, thread_name_prefix="crnotify-call") as pool:
            try:
                while self._queued or pending:
                    for call, then in self._queued:
                        pending[pool.submit(call)] = then
                    self._queued.clear()
                    self._report()
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        then = pending.pop(future)
                        self._done += 1
                        then(future.result())  # raises the call's exception
                self._report()
            except BaseException:
                for future in pending:
                    future.cancel()
                raise

    def _run_inline(self) -> None:
        """One call at a time, on this thread, no threads. Depth first: the calls a callback submits
        run before the calls queued earlier, so a chain (a rule's registry step, then its bus step)
        finishes before the next begins."""
        while self._queued:
            call, then = self._queued.pop(0)
            self._report()
            result = call()
            self._done += 1
            before = len(self._queued)
            then(result)
            added = self._queued[before:]
            del self._queued[before:]
            self._queued[:0] = added
        self._report()

    def _report(self) -> None:
        if self._progress is not None:
            self._progress(self._done, self._total)

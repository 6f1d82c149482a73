"""`-v/--verbose` logging to stderr, with every record run through `crnotify.redact.mask` first.

The filter sits on crnotify's handler (not on a logger), so it also sees records that propagate from
the SDKs' and urllib3's loggers, whose debug output includes request URLs and bodies.

Without `-v` only crnotify's own warnings come out: a library's records are for `-v`. The Alibaba
credential chain, for one, logs a WARNING and an ERROR with a whole traceback for every source it
fails to read (about 150 lines for one unreachable source), all before the one error crnotify
reports — which already names the chain's sources and what to set.
"""

from __future__ import annotations

import logging
import sys

from crnotify.redact import mask

FORMAT = "%(levelname)s %(name)s: %(message)s"


class SecretMaskingFilter(logging.Filter):
    """Replaces a record's message (with its arguments), exception text and stack with masked text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


class OwnRecordsOnly(logging.Filter):
    """Passes crnotify's own records, drops the libraries' (the default, without -v)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == "crnotify" or record.name.startswith("crnotify.")


class _CrnotifyHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record arrives (tests and click swap it), and marks
    the handler crnotify installed, so a second invocation in one process replaces it."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure_logging(verbose: int) -> None:
    """crnotify's WARNINGs by default; everyone's INFO with -v, DEBUG with -vv; to the current
    stderr, secrets masked."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _CrnotifyHandler)]:
        root.removeHandler(old)
    handler = _CrnotifyHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    if verbose == 0:
        handler.addFilter(OwnRecordsOnly())  # before masking: a dropped record needs no work
    handler.addFilter(SecretMaskingFilter())
    root.addHandler(handler)
    root.setLevel(level)

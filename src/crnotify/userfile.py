"""Reading a file the user named: regular files only, never more than a cap, never waiting on a pipe.

Every file crnotify reads on a user's say-so (config YAML, event and expectation files, saved plans,
the emulator's instances file) goes through `read_bytes` or `read_text`. The path is stat'ed first:
a dangling or looping symlink, a FIFO, a device or a socket is refused before it is opened
(`/dev/zero` would be read forever, a FIFO would block until someone writes to it). It is then
opened with O_NONBLOCK, so that a file swapped for a FIFO between the stat and the open cannot hang
us either, checked again on the open descriptor, and read up to `limit` bytes and one more: a file
that is (or grows) larger is refused, and nothing larger is ever held in memory.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from crnotify.errors import CrnotifyError

MiB = 1024 * 1024
# The caps, in one place. Each is far above what the file it bounds holds in practice.
CONFIG_BYTES = 4 * MiB  # a config file (a few hundred bytes per rule)
EVENT_BYTES = 1 * MiB  # an event or a pattern (EventBridge caps events at 256 KiB)
EXPECTATIONS_BYTES = 1 * MiB  # NAME.expect.yaml beside an event
PLAN_BYTES = 32 * MiB  # a saved plan (its rendered plan is the bulk: a few KiB per change)
INSTANCES_BYTES = 1 * MiB  # `emulator serve --instances FILE`
HISTORY_BYTES = 256 * MiB  # an event history, JSONL (`emulator publish --file`, `replay --history`)

_NON_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFile(CrnotifyError):
    """`path` cannot be read; `reason` says why in a few words, for callers that build their own text."""

    def __init__(self, path: str, reason: str, *, hint: str) -> None:
        super().__init__(f"cannot read {path}: {reason}", hint=hint)
        self.path = path
        self.reason = reason


class FileTooLarge(UnreadableFile):
    def __init__(self, path: str, limit: int) -> None:
        super().__init__(
            path,
            f"it is larger than {_size(limit)}",
            hint="a file this large is not what crnotify reads here; check the path",
        )
        self.limit = limit


class NotText(UnreadableFile):
    """Not UTF-8: `line` and `col` (from 1) locate the first byte that is not."""

    def __init__(self, path: str, byte: int, line: int, col: int) -> None:
        super().__init__(
            path,
            f"it is not UTF-8 text (byte 0x{byte:02x} at line {line}, column {col})",
            hint="save it as UTF-8; binary files are not read",
        )
        self.byte, self.line, self.col = byte, line, col


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit:,} bytes"


def unreadable(path: str, exc: OSError) -> UnreadableFile:
    """The `UnreadableFile` for an `OSError` raised while reading (or listing) `path`, in the words a
    user would use: a link to nothing is not "no such file"."""
    if exc.errno == errno.ENOENT and os.path.islink(path):
        reason = f"it is a symbolic link to {os.readlink(path)}, which does not exist"
        return UnreadableFile(path, reason, hint="fix or remove the link")
    if exc.errno == errno.ELOOP:
        return UnreadableFile(
            path, "it is a symbolic link that leads to itself (a loop)", hint="fix or remove the link"
        )
    if exc.errno == errno.ENOENT:
        return UnreadableFile(path, "no such file", hint="check the path")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return UnreadableFile(path, "permission denied", hint="check its permissions")
    reason = exc.strerror or type(exc).__name__
    return UnreadableFile(path, reason, hint="check the file system it is on (a broken mount?)")


def non_regular(mode: int) -> str | None:
    """What a file of this `st_mode` is when it is not a regular file ("a named pipe (FIFO)")."""
    for test, name in _NON_REGULAR:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def check_regular(path: str | os.PathLike[str]) -> os.stat_result:
    """The stat of `path` (links followed) if it is a regular file; `UnreadableFile` otherwise."""
    shown = os.fspath(path)
    try:
        info = os.stat(shown)
    except OSError as exc:
        raise unreadable(shown, exc) from None
    kind = non_regular(info.st_mode)
    if kind is not None:
        raise UnreadableFile(shown, f"it is {kind}, not a regular file", hint="name a regular file")
    return info


def read_bytes(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """At most `limit` bytes of the regular file `path`; `UnreadableFile` (or a subclass) otherwise."""
    shown = os.fspath(path)
    if check_regular(shown).st_size > limit:
        raise FileTooLarge(shown, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | os.O_CLOEXEC
    try:
        descriptor = os.open(shown, flags)
    except OSError as exc:
        raise unreadable(shown, exc) from None
    try:
        with os.fdopen(descriptor, "rb") as handle:
            kind = non_regular(os.fstat(handle.fileno()).st_mode)
            if kind is not None:  # replaced between the stat and the open
                raise UnreadableFile(shown, f"it is {kind}, not a regular file", hint="name a regular file")
            return read_stream(handle, limit=limit, name=shown)
    except OSError as exc:  # EIO from a failing disk or a broken network mount
        raise unreadable(shown, exc) from None


def read_stream(stream: BinaryIO, *, limit: int, name: str) -> bytes:
    """At most `limit` bytes of an open stream (standard input); `FileTooLarge` if it holds more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(name, limit)
    return data


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped), or `NotText` locating the first byte that is not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise NotText(name, raw[exc.start], line, col) from None


def read_text(path: str | os.PathLike[str], *, limit: int) -> str:
    """`read_bytes`, decoded as UTF-8."""
    return decode(read_bytes(path, limit=limit), os.fspath(path))

"""What every local server of the emulator does before it trusts a request: bind loopback unless told
otherwise, and read a body only when its declared length is a number within a cap.

`EmulatorServer` (the cloud) and `DingTalkServer` (the robot) share these rules and differ only in how
they word a refusal: the cloud answers `{"Code", "Message", "RequestId"}`, the robot `{"errcode",
"errmsg"}`. So `read_body` raises `BodyRefused` and each server turns it into its own JSON.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from crnotify.delivery.send import is_loopback
from crnotify.errors import CrnotifyError

CHUNK_BYTES = 1 << 16


def require_loopback(host: str, *, allow_remote: bool, what: str, why: str, hint: str) -> None:
    """Refuse, before any socket is bound, to serve on a non-loopback address without --allow-remote."""
    if not allow_remote and not is_loopback(host):
        raise CrnotifyError(f"refusing to serve {what} on {host}: {why}", hint=hint)


class BodyRefused(Exception):
    """A body the server will not read: `too_large` → 413, otherwise a malformed request → 400."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large
        self.http_status = 413 if too_large else 400


def read_body(
    handler: BaseHTTPRequestHandler, *, limit: int, drain_limit: int, required: bool = False
) -> bytes:
    """The request body, at most `limit` bytes; `BodyRefused` for a chunked body, a missing (when
    `required`), non-numeric or negative `Content-Length`, or one over `limit`.

    A refused body is never held in memory. An oversized one of at most `drain_limit` bytes is read
    in chunks and dropped, so a client still sending gets the refusal rather than a reset connection;
    a larger one is not read at all and the connection is closed after the answer.
    """
    if handler.headers.get("Transfer-Encoding"):
        handler.close_connection = True
        raise BodyRefused("send the body with a Content-Length, not chunked")
    declared = handler.headers.get("Content-Length")
    if declared is None or not declared.strip():
        if required:
            handler.close_connection = True
            raise BodyRefused("Content-Length is required")
        return b""
    try:
        length = int(declared)
    except ValueError:
        handler.close_connection = True
        raise BodyRefused("Content-Length is not a number") from None
    if length < 0:
        handler.close_connection = True
        raise BodyRefused("Content-Length is negative")
    if length > limit:
        if length <= drain_limit:
            while length > 0:
                chunk = handler.rfile.read(min(length, CHUNK_BYTES))
                if not chunk:
                    break
                length -= len(chunk)
        else:
            handler.close_connection = True
        raise BodyRefused(f"the request body may hold at most {limit} bytes", too_large=True)
    return handler.rfile.read(length) if length else b""


class LocalServer:
    """The lifecycle of a local robot's HTTP server (DingTalk's, the chat channels'): bound after
    `require_loopback`, served on a daemon thread by `start` or in the foreground by `serve_forever`,
    shut down and closed by `stop`."""

    def __init__(self, server: ThreadingHTTPServer, name: str) -> None:
        self._server = server
        self._name = name
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _start(self) -> None:
        # A short poll interval makes `stop` quick; the cost is one select() wake-up every 50 ms.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=self._name, daemon=True
        )
        self._thread.start()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

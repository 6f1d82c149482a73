"""A fault-injecting HTTP proxy on 127.0.0.1 in front of moto's server: what the emulator's seeded
faults are for Alibaba, this is for AWS (moto injects none).

    with FaultProxy(moto_url, rate=0.3, seed=1) as proxy:   # AWS_ENDPOINT_URL=proxy.url

Each request is, at the seeded rate, answered with a throttling error (400 ThrottlingException in
EventBridge's JSON protocol, `Throttling` in STS's XML), a 503, a gateway's HTML 502 page, a
connection closed before forwarding, or one closed after moto applied it; otherwise forwarded as it
is. Latency is added to every request.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

FAULTS = ("throttle", "unavailable", "gateway", "drop_before", "drop_after")


class FaultProxy:
    def __init__(self, upstream: str, *, rate: float, seed: int, latency_ms: int = 0) -> None:
        target = urlsplit(upstream)
        self.upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.rate, self.latency = rate, latency_ms / 1000
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.faults: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def draw(self) -> str | None:
        with self.lock:
            fault = self.rng.choice(FAULTS) if self.rng.random() < self.rate else None
            if fault:
                self.faults.append(fault)
            return fault

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.relay()

        def do_GET(self) -> None:
            self.relay()

        def relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(proxy.latency)
            fault = proxy.draw()
            if fault == "drop_before":
                return self.drop()
            xml = "x-amz-target" not in {name.lower() for name in self.headers}  # STS: the query protocol
            if fault == "throttle":
                return self.answer(400, "ThrottlingException" if not xml else "Throttling", xml)
            if fault == "unavailable":
                return self.answer(503, "ServiceUnavailable", xml)
            if fault == "gateway":
                return self.send_raw(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
            upstream = http.client.HTTPConnection(*proxy.upstream, timeout=30)
            try:
                upstream.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                response = upstream.getresponse()
                data = response.read()
                headers = [
                    (k, v)
                    for k, v in response.getheaders()
                    if k.lower() not in {"transfer-encoding", "connection"}
                ]
            finally:
                upstream.close()
            if fault == "drop_after":
                return self.drop()
            self.send_response(response.status)
            for name, value in headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None

        def answer(self, status: int, code: str, xml: bool) -> None:
            if xml:
                data = (
                    f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected</Message>"
                    "</Error><RequestId>fault</RequestId></ErrorResponse>"
                ).encode()
                return self.send_raw(status, data, "text/xml")
            return self.send_raw(
                status,
                json.dumps({"__type": code, "message": "injected"}).encode(),
                "application/x-amz-json-1.1",
            )

        def send_raw(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler

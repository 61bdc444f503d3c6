"""A real HTTP server on loopback that records what alert destinations post to it.

``WebhookServer(mode)`` answers every POST as ``mode`` says: ``"ok"`` (200 ``ok``, what an
incoming webhook answers), ``"slack"`` (200 ``{"ok": true}``, the Slack Web API),
``"slack-error"`` (200 ``{"ok": false, "error": "channel_not_found"}``), ``"error"``
(HTTP 500), or ``"hang"`` (records the request, then answers nothing until ``stop()``).
Each request is recorded (path, headers, parsed JSON body) before the answer, and
``wait_for(n)`` waits on a condition (with a deadline) until n have arrived.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("ok", "slack", "slack-error", "error", "hang")


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class WebhookServer:
    def __init__(self, mode: str = "ok"):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        self.requests: list[Recorded] = []
        self._arrived = threading.Condition()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> WebhookServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="webhook-server"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # let hanging handlers end
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self) -> WebhookServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def record(self, request: Recorded) -> None:
        with self._arrived:
            self.requests.append(request)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout_s: float = 30.0) -> list[Recorded]:
        """The first ``count`` requests, once they have arrived; AssertionError at the
        deadline."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= count, timeout_s):
                raise AssertionError(
                    f"{len(self.requests)} request(s) arrived within {timeout_s:g} s, "
                    f"expected {count}"
                )
            return list(self.requests[:count])

    def bodies(self) -> list[dict]:
        with self._arrived:
            return [r.json() for r in self.requests]

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        if self.mode == "hang":
            self._release.wait()
            return
        if self.mode == "error":
            status, body = 500, b"internal error"
        elif self.mode == "slack":
            status, body = 200, b'{"ok": true, "channel": "C1", "ts": "1.0"}'
        elif self.mode == "slack-error":
            status, body = 200, b'{"ok": false, "error": "channel_not_found"}'
        else:
            status, body = 200, b"ok"
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def _handler_for(server: WebhookServer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            server.record(Recorded(self.path, dict(self.headers), body))
            server.answer(self)

        def log_message(self, format, *args):  # quiet: no stderr lines per request
            return

    return Handler

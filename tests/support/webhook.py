"""A real HTTP server on 127.0.0.1 standing in for a chat webhook."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0  # seconds before answering, to make the client time out


class Webhook:
    """An HTTP server that records every POST and answers from a script per path."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._script: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        # Teardown joins every handler, and a deliberately slow answer wakes at once on
        # _closing instead of holding it: no handler outlives its test to print a
        # BrokenPipe traceback into a later one (3.11's traceback calls ast.parse, which
        # is not safe beside another thread's ast.parse).
        self._server.daemon_threads = False
        self._server.block_on_close = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, *replies: Reply) -> None:
        """The next answers on ``path``; once spent, 200 "ok"."""
        self._script.setdefault(path, []).extend(replies)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def _next(self, received: Received) -> Reply:
        with self._lock:
            self.received.append(received)
            queue = self._script.get(received.path) or []
            return queue.pop(0) if queue else Reply()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                reply = webhook._next(Received(self.path, dict(self.headers.items()), body))
                if reply.delay and webhook._closing.wait(reply.delay):
                    return  # torn down meanwhile: the client has gone
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        return Handler

    def __enter__(self) -> Webhook:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()


def closed_port_url(path: str = "/hook") -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"

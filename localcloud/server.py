"""moto's server application behind our middleware, served by a threaded WSGI server."""

from __future__ import annotations

import threading
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server


class QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without one access-log line per request (the Step Functions
    engine and pollers make many); `calls()` and /_localcloud/calls tell what was called."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        return


def moto_application() -> Any:
    return DomainDispatcherApplication(create_backend_app)


class HttpServer:
    """A threaded server on `host:port` (port 0 picks a free one) running in a daemon thread."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=QuietRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="localcloud-http", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

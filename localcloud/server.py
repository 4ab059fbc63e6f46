"""moto's server application behind our middleware, served by a threaded WSGI server."""

from __future__ import annotations

import errno
import socket
import threading
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server, select_address_family

from localcloud.errors import PortError


class QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without one access-log line per request (the Step Functions
    engine and pollers make many); `calls()` and /_localcloud/calls tell what was called."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        return


def moto_application() -> Any:
    return DomainDispatcherApplication(create_backend_app)


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0 picks a free one), or PortError.

    Bound here rather than by werkzeug, which reads 99999 as 34463 (getaddrinfo wraps it)
    and answers a port in use with sys.exit(1).
    """
    if not 0 <= port <= 65535:
        raise PortError(f"port {port} is not a TCP port: give 0 to 65535 (0 picks a free one)")
    try:
        return socket.create_server((host, port), family=select_address_family(host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortError(
                f"port {port} on {host} is in use by another program: stop it, or choose "
                "another port (0 picks a free one)"
            ) from None
        raise PortError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


class HttpServer:
    """A threaded server on `host:port` (port 0 picks a free one) running in a daemon thread;
    PortError when it cannot listen there."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        listening = listening_socket(host, port)
        with listening:  # werkzeug serves a duplicate of it
            self._server: BaseWSGIServer = make_server(
                host,
                port,
                app,
                threaded=True,
                request_handler=QuietRequestHandler,
                fd=listening.fileno(),
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

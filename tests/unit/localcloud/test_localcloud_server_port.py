"""The local cloud listens on the port asked for, or says why it cannot: never another port,
never a sys.exit from inside the library."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from localcloud.errors import PortError
from localcloud.server import HttpServer


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


@pytest.mark.parametrize("port", [65536, 99999, -1])
def test_a_port_outside_0_to_65535_is_refused_not_wrapped_around(port: int) -> None:
    with pytest.raises(PortError, match=f"port {port} is not a TCP port: give 0 to 65535"):
        HttpServer(hello, "127.0.0.1", port)


def test_a_port_in_use_is_refused_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(PortError, match=f"port {port} on 127.0.0.1 is in use"):
            HttpServer(hello, "127.0.0.1", port)


def test_port_0_picks_a_free_port_and_serves_on_it() -> None:
    server = HttpServer(hello, "127.0.0.1", 0)
    server.start()
    try:
        assert server.port > 0
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=10) as answer:
            assert answer.read() == b"hello"
    finally:
        server.stop()

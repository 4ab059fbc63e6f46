"""Run a local cloud in the foreground until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from localcloud.cloud import LocalCloud


def _summary(cloud: LocalCloud) -> list[str]:
    lines = [
        f"localcloud ready at {cloud.endpoint} (region {cloud.region}, account {cloud.account_id})"
    ]
    buckets = [
        cloud.resources[logical_id]
        for logical_id, kind in cloud.resource_types.items()
        if kind == "AWS::S3::Bucket"
    ]
    lines += [f"  bucket  {name}" for name in buckets]
    lines += [f"  output  {name} = {value}" for name, value in cloud.outputs.items()]
    lines += [f"  note    {warning}" for warning in cloud.warnings]
    environment = cloud.environment()
    lines.append("point the AWS CLI here with:")
    lines += [f"  export {name}={value}" for name, value in environment.items()]
    lines.append("press Ctrl-C to stop")
    return lines


def serve(
    template: str | Path = "template.yaml",
    *,
    port: int = 4566,
    host: str = "127.0.0.1",
    parameters: Mapping[str, Any] | None = None,
    faults: str | Path | list[Any] | None = None,
    time_scale: float = 1.0,
    profile: str = "realistic",
    rollout_seconds: float | None = None,
    verbose: bool = True,
    echo: Callable[[str], None] | None = None,
    stop_event: threading.Event | None = None,
    stack_name: str = "localcloud",
    on_ready: Callable[[LocalCloud], list[str]] | None = None,
    quotas: Mapping[str, int] | None = None,
) -> None:
    """Deploy `template` on a local cloud, print where it is, and serve until interrupted.

    Ctrl-C, SIGTERM or `stop_event` end it; workers are killed and moto's state is dropped.
    `on_ready` runs once the stack is deployed (to seed data, say) and returns lines to print.
    """
    say = echo or _print_line
    stop = stop_event or threading.Event()
    restore = _install_signal_handlers(stop)
    try:
        with LocalCloud(
            template,
            port=port,
            host=host,
            parameters=parameters,
            faults=faults,
            time_scale=time_scale,
            profile=profile,
            rollout_seconds=rollout_seconds,
            verbose=verbose,
            stack_name=stack_name,
            quotas=quotas,
        ) as cloud:
            extra = on_ready(cloud) if on_ready else []
            for line in [*_summary(cloud)[:-1], *extra, _summary(cloud)[-1]]:
                say(line)
            while not stop.wait(0.5):
                pass
            say("localcloud stopping")
    except KeyboardInterrupt:
        say("localcloud stopped")
    finally:
        restore()


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()  # a supervisor reading our pipe sees "ready" at once


def _install_signal_handlers(stop: threading.Event) -> Callable[[], None]:
    """SIGINT/SIGTERM set `stop` (only possible from the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    for sig in previous:
        signal.signal(sig, request_stop)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore

"""The local cloud's clock: how long AWS takes, compressed so tests stay fast.

Every delay the local cloud emulates (a NAT gateway becoming available, a load balancer
provisioning, a Fargate task starting, a health check passing, a target draining) is written in
*simulated* AWS seconds in a `Profile` and waited for as `seconds * time_scale` of wall-clock
time. Timestamps stay real (`datetime.now`): only durations are compressed, so what a handler
writes and what the cloud reports agree.

`REALISTIC` holds AWS's typical timings (localcloud/README.md lists each with its source) and is
the default. `FAST` makes provisioning instant and a task's whole start take `rollout_seconds`
of wall-clock time, for tests that do not care how long AWS takes.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

LOG = logging.getLogger("localcloud.clock")


@dataclass(frozen=True)
class Profile:
    """How long AWS takes, in simulated seconds."""

    name: str
    # EC2
    nat_gateway_available: float  # CreateNatGateway: pending -> available
    nat_gateway_deleted: float  # DeleteNatGateway: deleting -> deleted
    # ELBv2
    load_balancer_active: float  # CreateLoadBalancer: provisioning -> active
    # ECS tasks on Fargate, starting
    task_provisioning: float  # PROVISIONING -> PENDING: capacity found, ENI attached
    task_pending: float  # PENDING -> ACTIVATING: images pulled, containers started
    task_activating: float  # ACTIVATING -> RUNNING: targets registered, service discovery
    image_pull_timeout: float  # PENDING -> STOPPED when an image cannot be pulled
    # ECS tasks, stopping (the deregistration delay comes from the target group)
    task_stopping: float  # STOPPING: SIGTERM until the containers have exited
    task_deprovisioning: float  # DEPROVISIONING -> STOPPED: ENI detached and deleted
    # ECS service scheduler
    replacement_delay: float  # a stopped task of a service until its replacement starts
    launch_backoff_first: float  # first delay between failing launches (then doubling)
    launch_backoff_max: float  # the service throttle's ceiling
    # None: tasks start in task_provisioning + task_pending + task_activating, and health
    # checks, draining and back-off take their time; otherwise (the fast profile) a task's
    # whole start takes this many wall-clock seconds and the rest is instant
    rollout_seconds: float | None = None

    @property
    def fast(self) -> bool:
        return self.rollout_seconds is not None

    def task_start_seconds(self) -> float:
        return self.task_provisioning + self.task_pending + self.task_activating


# localcloud/README.md ("How long AWS takes") gives each figure with its source.
REALISTIC = Profile(
    name="realistic",
    nat_gateway_available=105.0,
    nat_gateway_deleted=60.0,
    load_balancer_active=150.0,
    task_provisioning=15.0,
    task_pending=20.0,
    task_activating=5.0,
    image_pull_timeout=30.0,
    task_stopping=5.0,
    task_deprovisioning=10.0,
    replacement_delay=10.0,
    launch_backoff_first=15.0,
    launch_backoff_max=27 * 60.0,
)

FAST = Profile(
    name="fast",
    nat_gateway_available=0.0,
    nat_gateway_deleted=0.0,
    load_balancer_active=0.0,
    task_provisioning=0.0,
    task_pending=0.0,
    task_activating=0.0,
    image_pull_timeout=0.0,
    task_stopping=0.0,
    task_deprovisioning=0.0,
    replacement_delay=0.0,
    launch_backoff_first=0.0,
    launch_backoff_max=0.0,
    rollout_seconds=1.0,
)

PROFILES = {profile.name: profile for profile in (REALISTIC, FAST)}


def profile_named(name: str | Profile, rollout_seconds: float | None = None) -> Profile:
    """The profile called `name` (or `name` itself); `rollout_seconds` sets the fast profile's
    task start."""
    if isinstance(name, Profile):
        profile = name
    else:
        try:
            profile = PROFILES[name]
        except KeyError:
            choices = ", ".join(sorted(PROFILES))
            raise ValueError(f"unknown profile {name!r}: one of {choices}") from None
    if rollout_seconds is not None:
        if profile.rollout_seconds is None:
            raise ValueError(
                f"rollout_seconds sets the fast profile's task start; the {profile.name} profile "
                "takes its timings from AWS (pass profile='fast')"
            )
        profile = replace(profile, rollout_seconds=rollout_seconds)
    return profile


class Clock:
    """Runs callbacks after a simulated delay (`seconds * time_scale` of wall-clock time), in
    order of their due time, on one thread (thousands of tasks need no thousands of timers)."""

    def __init__(self, time_scale: float, profile: Profile) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be 0 or more")
        self.time_scale = time_scale
        self.profile = profile
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._wake = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def wall_seconds(self, simulated: float) -> float:
        return max(0.0, simulated) * self.time_scale

    def delay(self, simulated: float) -> float:
        """Wall-clock seconds of a wait the fast profile skips (stopping, draining, back-off)."""
        return 0.0 if self.profile.fast else self.wall_seconds(simulated)

    def after(self, simulated: float, callback: Callable[[], None]) -> None:
        """Call `callback` once `simulated` AWS seconds have passed."""
        self.after_wall(self.wall_seconds(simulated), callback)

    def after_wall(self, seconds: float, callback: Callable[[], None]) -> None:
        """Call `callback` after `seconds` of wall-clock time."""
        with self._wake:
            if self._closed:
                return
            due = time.monotonic() + max(0.0, seconds)
            heapq.heappush(self._due, (due, next(self._sequence), callback))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="localcloud-clock")
                self._thread.daemon = True
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._closed and (not self._due or self._due[0][0] > time.monotonic()):
                    timeout = self._due[0][0] - time.monotonic() if self._due else None
                    self._wake.wait(timeout)
                if self._closed:
                    return
                _, _, callback = heapq.heappop(self._due)
            try:
                callback()
            except Exception:  # a failed step is logged; the clock must not stop
                LOG.exception("scheduled step failed")

    def cancel_all(self) -> None:
        with self._wake:
            self._closed = True
            self._due.clear()
            self._wake.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

"""The critical-path floors: AWS's own waits in the realistic profile, ecsdrop taking none."""

from __future__ import annotations

from dataclasses import replace

from bench.critical_path import greenfield_floor, redeploy_floor, rollback_floor
from localcloud.clock import REALISTIC


def test_greenfield_waits_for_the_later_of_the_load_balancer_and_the_nat_gateway_path() -> None:
    # the ALB is active at 150 s; tasks behind the NAT gateway register at 105 + 15 + 20 s;
    # health checks (2 x 10 s) start at the later of the two
    assert greenfield_floor(REALISTIC) == 150 + 2 * 10
    slow_nat = replace(REALISTIC, nat_gateway_available=300.0)
    assert greenfield_floor(slow_nat) == 300 + 15 + 20 + 2 * 10


def test_redeploy_is_start_checks_then_draining_and_stopping_the_old_tasks() -> None:
    assert redeploy_floor(REALISTIC) == (15 + 20) + 2 * 10 + 30 + 5 + 10


def test_a_failed_redeploy_is_two_failed_waves_and_the_launch_back_off_between() -> None:
    # two tasks fail after provisioning and the pull timeout (15 + 30 s); ECS backs off
    # 15 then 30 s; the second wave's failures reach the breaker's threshold of 3
    assert rollback_floor(REALISTIC) == (15 + 30) + 30 + (15 + 30)

"""`python -m localcloud [--template template.yaml] [--port 4566] [--faults FILE]`."""

from __future__ import annotations

import argparse

from localcloud.errors import LocalCloudError
from localcloud.quotas import Quotas
from localcloud.serve import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--faults", default=None, help="YAML/JSON fault file")
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="wall seconds per simulated AWS second"
    )
    parser.add_argument("--profile", choices=("realistic", "fast"), default="realistic")
    parser.add_argument(
        "--rollout-seconds", type=float, default=None, help="a task's start (fast profile)"
    )
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--quota",
        action="append",
        default=[],
        metavar="NAME=N",
        help="raise an account quota over AWS's default (ec2:vpcs-per-region=10)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not echo Lambda logs")
    args = parser.parse_args()
    parameters = dict(item.split("=", 1) for item in args.parameter)
    try:
        quotas = {name: int(value) for name, value in (q.split("=", 1) for q in args.quota)}
        Quotas(quotas)  # every name known, every value a count
    except ValueError as error:
        parser.error(f"--quota NAME=N: {error}")
    if args.rollout_seconds is not None and args.profile != "fast":
        parser.error("--rollout-seconds: only with --profile fast")
    try:
        serve(
            args.template,
            port=args.port,
            faults=args.faults,
            parameters=parameters,
            time_scale=args.time_scale,
            profile=args.profile,
            rollout_seconds=args.rollout_seconds,
            verbose=not args.quiet,
            quotas=quotas,
        )
    except LocalCloudError as error:  # a port in use, a bad fault file, a broken template
        parser.exit(2, f"{parser.prog}: {error}\n")


if __name__ == "__main__":
    main()

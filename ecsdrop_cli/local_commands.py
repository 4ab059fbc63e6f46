"""`ecsdrop local up` and `ecsdrop local push`: the embedded local cloud, from the command line."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from ecsdrop.spec.images import parse_repository_tag
from ecsdrop.spec.problems import Problem
from ecsdrop_cli.arguments import (
    non_negative_number,
    port_number,
    positive_number,
    stack_name,
)
from ecsdrop_cli.files import FileProblems, UsageError, print_usage_error, read_settings
from ecsdrop_cli.stack import DEFAULT_STACK, Stack, StackNotFound, add_stack_options

# ecsdrop's SAM app (template.yaml, functions/, statemachines/, the layer's source) is in a
# checkout of the repository, next to this package; an installed wheel ships none of it.
ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
LOCAL_EXTRA = "pip install 'ecsdrop[local]'"
_OUR_PACKAGES = frozenset({"ecsdrop", "ecsdrop_cli", "localcloud"})
DESTINATION_TYPES = ("slack", "teams", "googlechat", "discord", "json")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(commands: Any) -> None:
    local = commands.add_parser("local", help="the embedded local cloud (no AWS account needed)")
    actions = local.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    up = actions.add_parser(
        "up",
        help="run ecsdrop's template on a local AWS emulator until Ctrl-C",
        description="Deploy template.yaml on the embedded local cloud (moto on 127.0.0.1 with "
        "real Step Functions, Lambda workers, EventBridge delivery and ECS rollouts) and serve "
        "it in the foreground. boto3 and the AWS CLI work against it with --endpoint-url.",
    )
    up.add_argument(
        "--port", type=port_number, default=4566, help="0 to 65535; 0 picks a free port"
    )
    up.add_argument(
        "--template",
        default=None,
        metavar="FILE",
        help="the SAM template to deploy (default: the checkout's template.yaml)",
    )
    up.add_argument(
        "--stack", type=stack_name, default=DEFAULT_STACK, help="stack name (default: ecsdrop)"
    )
    up.add_argument("--faults", default=None, metavar="FILE", help="fault injection file")
    up.add_argument(
        "--time-scale",
        type=positive_number,
        default=0.01,
        help="wall-clock seconds per simulated AWS second (more than 0; default 0.01)",
    )
    up.add_argument(
        "--profile",
        choices=("realistic", "fast"),
        default="realistic",
        help="how long AWS takes: its typical timings (default), or instant provisioning",
    )
    up.add_argument(
        "--rollout-seconds",
        type=non_negative_number,
        default=None,
        help="a task's start in wall-clock seconds (fast profile only)",
    )
    up.add_argument(
        "--notify",
        action="append",
        default=[],
        metavar="TYPE=URL",
        help=f"a chat destination ({', '.join(DESTINATION_TYPES)}); repeatable",
    )
    up.add_argument("--quiet", action="store_true", help="do not echo the functions' logs")
    up.set_defaults(run=run_up)

    push = actions.add_parser(
        "push",
        help="push an image to the local ECR (emits the ECR push event)",
        description="Create REPOSITORY if needed and put an image tagged TAG whose content "
        "(and so digest) derives from --content.",
    )
    push.add_argument("image", metavar="REPOSITORY:TAG")
    push.add_argument("--content", default=None, help="what makes the digest (default: time)")
    add_stack_options(push)
    push.set_defaults(run=run_push)


def parse_destinations(items: list[str]) -> list[dict[str, str]]:
    """The --notify options as the notifier's destinations, checked by the notifier's own
    reader (an http:// URL to anywhere but this machine, say, it would refuse)."""
    destinations = []
    for index, item in enumerate(items, start=1):
        kind, separator, url = item.partition("=")
        if not separator or kind not in DESTINATION_TYPES or not url:
            raise ValueError(
                f"--notify {item!r}: expected TYPE=URL, TYPE one of {', '.join(DESTINATION_TYPES)}"
            )
        destinations.append({"name": f"{kind}-{index}", "type": kind, "url": url})
    from ecsdrop.errors import DestinationsConfigError  # noqa: PLC0415 -- only `local up` needs it
    from ecsdrop.notify.destinations import parse_destinations as notifier_reads  # noqa: PLC0415

    try:
        notifier_reads(json.dumps({"destinations": destinations}), "--notify")
    except DestinationsConfigError as e:
        raise ValueError(str(e)) from None
    return destinations


class LocalCloudNotInstalled(UsageError):
    """`pip install ecsdrop` leaves the local cloud's packages out: they are the `local` extra."""

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"the local cloud needs packages this installation lacks (no module named "
            f"{missing!r}); install them with: {LOCAL_EXTRA}"
        )


class NoCheckout(UsageError):
    """The default template is the checkout's: an installed wheel has no SAM app to deploy."""

    def __init__(self) -> None:
        super().__init__(
            f"no template.yaml at {ROOT}: local up deploys ecsdrop's SAM app (template.yaml, "
            "functions/, statemachines/, layers/), which a checkout of the repository has and "
            "an installed package does not. Run it from a checkout (make venv, then "
            ".venv/bin/ecsdrop local up), or pass --template CHECKOUT/template.yaml"
        )


class WrongMoto(UsageError):
    """The local cloud is built for one moto; another is installed."""


def require_local_cloud() -> None:
    """Load the local cloud (and moto), or say how to install what it needs."""
    try:
        import localcloud  # noqa: F401, PLC0415 -- loads moto: only when asked
    except ModuleNotFoundError as e:
        if e.name is None or e.name.partition(".")[0] in _OUR_PACKAGES:
            raise  # a module of ours missing is a bug, not a package to install
        raise LocalCloudNotInstalled(e.name) from None
    except ImportError:  # moto is there, but its internals moved: another moto
        _refuse_another_moto()
        raise
    _refuse_another_moto()


def _refuse_another_moto() -> None:
    from localcloud.moto_pin import moto_mismatch  # noqa: PLC0415 -- moto is installed

    mismatch = moto_mismatch()
    if mismatch is not None:
        raise WrongMoto(f"{mismatch}; {LOCAL_EXTRA} installs the right one")


def template_to_deploy(name: str | None) -> str:
    """--template, or the checkout's template.yaml when there is a checkout."""
    if name is not None:
        return name
    if not TEMPLATE.is_file():
        raise NoCheckout
    return str(TEMPLATE)


def read_faults(name: str | None) -> list[Any] | None:
    """The --faults file's faults, or FileProblems placing each problem at its line and column:
    read before the local cloud starts, so a mistake in it starts nothing."""
    if name is None:
        return None
    from localcloud.errors import FaultSpecError  # noqa: PLC0415 -- loads moto: only when asked
    from localcloud.faults import faults_from_data  # noqa: PLC0415

    document = read_settings(name)
    try:
        return faults_from_data(document.data)
    except FaultSpecError as e:
        problems = [Problem(path, message) for path, message in e.problems]
        raise FileProblems(name, problems, document) from None


def run_up(args: argparse.Namespace) -> int:
    if args.rollout_seconds is not None and args.profile != "fast":
        print(
            "ecsdrop local up: --rollout-seconds: only with --profile fast (the realistic "
            "profile takes a task's start from AWS's timings)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        require_local_cloud()
        template = template_to_deploy(args.template)
        destinations = parse_destinations(args.notify)
        faults = read_faults(args.faults)
    except ValueError as e:
        print(f"ecsdrop local up: {e}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as e:
        print_usage_error("local up", e)
        return EXIT_USAGE
    from localcloud import LocalCloud, serve  # noqa: PLC0415 -- loads moto: only when asked
    from localcloud.errors import PortError, TemplateError  # noqa: PLC0415

    def ready(cloud: LocalCloud) -> list[str]:
        lines = []
        if destinations:
            secret = cloud.outputs["DestinationsSecretArn"]
            cloud.client("secretsmanager").put_secret_value(
                SecretId=secret, SecretString=json.dumps({"destinations": destinations})
            )
            lines += [f"  chat    {d['type']} -> {d['url']}" for d in destinations]
        lines += [
            "deploy with:",
            f"  .venv/bin/ecsdrop local push scorekeep-api:latest --endpoint-url {cloud.endpoint}",
            f"  .venv/bin/ecsdrop submit examples/scorekeep.yaml --wait --endpoint-url "
            f"{cloud.endpoint}",
        ]
        return lines

    try:
        serve(
            template,
            port=args.port,
            faults=faults,
            time_scale=args.time_scale,
            profile=args.profile,
            rollout_seconds=args.rollout_seconds,
            verbose=not args.quiet,
            stack_name=args.stack,
            on_ready=ready,
        )
    except PortError as e:
        print(f"ecsdrop local up: --port: {e}", file=sys.stderr)
        return EXIT_USAGE
    except TemplateError as e:  # --template names one that cannot be deployed as written
        print(f"ecsdrop local up: {e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def run_push(args: argparse.Namespace) -> int:
    parsed = parse_repository_tag(args.image)
    if parsed is None:
        print(
            f"ecsdrop local push: {args.image!r} is not REPOSITORY:TAG (a lowercase repository "
            "such as team/web, without a registry host, and a tag such as 1.2 or latest)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    repository, tag = parsed
    try:
        stack = Stack.discover(args)
    except StackNotFound as e:
        print(f"ecsdrop local push: {e}", file=sys.stderr)
        return EXIT_USAGE
    digest = push_image(stack.client("ecr"), repository, tag, args.content or str(time.time()))
    print(f"{repository}:{tag} -> {digest}")
    return EXIT_OK


def push_image(ecr: Any, repository: str, tag: str, content: str) -> str:
    """Put an image manifest (no layers are uploaded: the local cloud needs none)."""
    with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
        ecr.create_repository(repositoryName=repository)
    layer = "sha256:" + hashlib.sha256(f"{repository}:{content}".encode()).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 2,
            "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest(),
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 1,
                "digest": layer,
            }
        ],
    }
    image = ecr.put_image(
        repositoryName=repository, imageTag=tag, imageManifest=json.dumps(manifest)
    )
    return str(image["image"]["imageId"]["imageDigest"])

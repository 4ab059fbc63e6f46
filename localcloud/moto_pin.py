"""The moto the local cloud was built for.

The local cloud reaches into moto's internals (its service modules, the Lambda runtime's
adapter, the Step Functions engine's patches): another moto may lack or have changed any of
them and fail far from the cause. So a local cloud does not start on any moto but this one.
"""

from __future__ import annotations

import moto

from localcloud.errors import LocalCloudError

MOTO_VERSION = "5.2.5"
PIN = "requirements/constraints.txt"


def moto_mismatch() -> str | None:
    """What is wrong with the installed moto, or None when it is the one expected."""
    installed = getattr(moto, "__version__", "unknown")
    if installed == MOTO_VERSION:
        return None
    return (
        f"the local cloud is built for moto {MOTO_VERSION} but moto {installed} is installed: "
        f"install the version pinned in {PIN} (pip install -c {PIN} moto[server]), or port "
        "localcloud to the new moto and move the pin"
    )


def check_moto_version() -> None:
    mismatch = moto_mismatch()
    if mismatch is not None:
        raise LocalCloudError(mismatch)

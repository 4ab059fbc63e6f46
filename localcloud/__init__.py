"""The embedded local cloud: moto in server mode plus what moto lacks, driven by a SAM template.

Development and test tooling only; deployable code never imports it. See localcloud/README.md.
"""

from localcloud.errors import DeployError, FaultSpecError, LocalCloudError, TemplateError
from localcloud.moto_pin import moto_mismatch

try:
    from localcloud.cloud import LocalCloud
    from localcloud.faults import ApiFault, EventFault, RolloutFault, TaskFault
    from localcloud.serve import serve
except ImportError as error:  # moto's internals moved: say which moto the local cloud needs
    mismatch = moto_mismatch()
    if mismatch is None:
        raise
    raise ImportError(mismatch) from error

__all__ = [
    "ApiFault",
    "DeployError",
    "EventFault",
    "FaultSpecError",
    "LocalCloud",
    "LocalCloudError",
    "RolloutFault",
    "TaskFault",
    "TemplateError",
    "serve",
]

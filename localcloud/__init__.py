"""The embedded local cloud: moto in server mode plus what moto lacks, driven by a SAM template.

Development and test tooling only; deployable code never imports it. See localcloud/README.md.
"""

from localcloud.cloud import LocalCloud
from localcloud.errors import DeployError, FaultSpecError, LocalCloudError, TemplateError
from localcloud.faults import ApiFault, EventFault, RolloutFault
from localcloud.serve import serve

__all__ = [
    "ApiFault",
    "DeployError",
    "EventFault",
    "FaultSpecError",
    "LocalCloud",
    "LocalCloudError",
    "RolloutFault",
    "TemplateError",
    "serve",
]

"""The local cloud's exceptions: one base class, named subclasses for what went wrong."""


class LocalCloudError(Exception):
    """Base class of every error the local cloud raises on purpose."""


class TemplateError(LocalCloudError):
    """The template cannot be deployed as written (unknown type, bad intrinsic, missing code…)."""


class DeployError(LocalCloudError):
    """Creating one resource of the template failed; the message names its logical id and type."""


class FaultSpecError(LocalCloudError):
    """A fault description (file, dict or HTTP body) is malformed."""

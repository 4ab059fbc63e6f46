from tests.integration.deploy.conftest import aws, stack

__all__ = ["aws", "stack"]

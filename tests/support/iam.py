"""IAM documents the tests give the roles they create."""

from __future__ import annotations

import json


def trust_policy(service: str) -> str:
    """A role's trust policy (JSON) that lets ``service`` (e.g. ecs.amazonaws.com) assume it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )

"""template.yaml after the SAM transform: the IAM roles SAM writes for each function and the
state machine, with its policy templates (DynamoDBCrudPolicy, ...) expanded.

Offline, with the same translator `sam deploy` uses (through the local cloud's transform).
`make checkov` scans this output as well as template.yaml, since checkov's own reading of
``AWS::Serverless::Function`` policies misses what SAM generates:

    python -m tests.integration.security.sam_expand OUT.json
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from localcloud.template.loader import load_template
from localcloud.template.sam import localize_paths, translate
from tests.support.template import TEMPLATE

REGION = "us-east-1"
PSEUDO_PARAMETERS = {
    "AWS::Region": REGION,
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "ecsdrop",
}


@cache
def expanded(path: Path = TEMPLATE) -> dict[str, Any]:
    localized, _ = localize_paths(load_template(path), path.parent)
    return translate(localized, PSEUDO_PARAMETERS, REGION)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.integration.security.sam_expand OUT.json", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(expanded(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

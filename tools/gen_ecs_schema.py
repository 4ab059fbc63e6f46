"""Generate the ECS part of schema/ecsdrop-spec.schema.json from botocore's own ECS model.

The spec's ``taskDefinition`` is exactly RegisterTaskDefinition's input, so its schema is
derived from the same service model botocore validates against: every field, type, enum
and required key, with unknown keys rejected. A few overrides say what the model cannot
(ECS's "1 vCPU" / "2 GB" units, the awslogs option names, fields people paste from
describe-task-definition output), and every optional field also takes null, as pasted
task definitions often write an absent field.

    python tools/gen_ecs_schema.py          # rewrite the $defs named ecs.*
    python tools/gen_ecs_schema.py --check  # exit 1 when the file is stale
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "ecsdrop-spec.schema.json"
ROOT_SHAPE = "RegisterTaskDefinitionRequest"
PREFIX = "ecs."

CPU_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?\s*([vV][cC][pP][uU])?\s*$"
MEMORY_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?\s*([GgMm][Ii]?[Bb])?\s*$"
AWSLOGS_OPTIONS = [
    "awslogs-group",
    "awslogs-region",
    "awslogs-stream-prefix",
    "awslogs-create-group",
    "awslogs-datetime-format",
    "awslogs-multiline-pattern",
    "awslogs-endpoint",
    "mode",
    "max-buffer-size",
]
# Fields of describe-task-definition's output: accepted so a pasted definition works,
# dropped (with a warning) before registering.
READ_ONLY_FIELDS = {
    "taskDefinitionArn": {"type": "string"},
    "revision": {"type": "integer"},
    "status": {"type": "string"},
    "requiresAttributes": {"type": "array"},
    "compatibilities": {"type": "array", "items": {"type": "string"}},
    "registeredAt": {"type": ["string", "number"]},
    "registeredBy": {"type": "string"},
    "deregisteredAt": {"type": ["string", "number"]},
}

_SCALAR_TYPES = {
    "string": "string",
    "integer": "integer",
    "long": "integer",
    "boolean": "boolean",
    "double": "number",
    "float": "number",
    "timestamp": "string",
    "blob": "string",
}


_BOUND_KEYWORDS = {
    "string": ("minLength", "maxLength"),
    "list": ("minItems", "maxItems"),
    "integer": ("minimum", "maximum"),
    "long": ("minimum", "maximum"),
}


def bounds(shape: Shape) -> dict[str, Any]:
    """The model's min and max traits (lengths, counts, ranges), which botocore also checks.

    Patterns are left out: the model writes them as Java regular expressions.
    """
    keywords = _BOUND_KEYWORDS.get(shape.type_name)
    if keywords is None:
        return {}
    limits = {"min": shape.metadata.get("min"), "max": shape.metadata.get("max")}
    found = {
        keyword: limits[trait]
        for keyword, trait in zip(keywords, ("min", "max"), strict=True)
        if limits[trait] is not None
    }
    return {k: v for k, v in found.items() if not (k.startswith("min") and v == 0)}


def summary(documentation: str) -> str:
    """First sentence of botocore's HTML documentation, as plain text."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", documentation or ""))
    text = re.sub(r"\s+", " ", text).strip()
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    first = match.group(1) if match else text
    return first if len(first) <= 300 else first[:297] + "..."


class Generator:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def ref(self, shape: Shape) -> dict[str, Any]:
        if isinstance(shape, StructureShape):
            name = PREFIX + shape.name
            if name not in self.defs:
                self.defs[name] = {}  # placeholder: breaks cycles
                self.defs[name] = self.structure(shape)
            return {"$ref": f"#/$defs/{name}"}
        return self.inline(shape)

    def inline(self, shape: Shape) -> dict[str, Any]:
        if isinstance(shape, ListShape):
            return {"type": "array", "items": self.ref(shape.member), **bounds(shape)}
        if isinstance(shape, MapShape):
            return {"type": "object", "additionalProperties": self.ref(shape.value)}
        enum = getattr(shape, "enum", None)
        if enum:
            return {"enum": list(enum)}
        return {"type": _SCALAR_TYPES[shape.type_name], **bounds(shape)}

    def structure(self, shape: StructureShape) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for name, member in shape.members.items():
            prop = dict(self.ref(member))
            doc = summary(member.documentation)
            if doc:
                prop = {"description": doc, **prop}
            properties[name] = prop
        schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
        doc = summary(shape.documentation)
        if doc:
            schema = {"description": doc, **schema}
        if shape.required_members:
            schema["required"] = list(shape.required_members)
        schema["properties"] = properties
        return schema


def apply_overrides(defs: dict[str, Any]) -> None:
    root = defs[PREFIX + ROOT_SHAPE]
    root["description"] = (
        "The ECS RegisterTaskDefinition input, as `aws ecs register-task-definition "
        "--cli-input-json` takes it. family defaults to the service name; networkMode, "
        "requiresCompatibilities, cpu and memory default to Fargate's. A null for an optional "
        "field, as pasted task definitions often carry, counts as absent (with a warning)."
    )
    root["required"] = ["containerDefinitions"]
    props = root["properties"]
    props["family"].update(pattern="^[A-Za-z0-9_-]{1,255}$")
    props["family"]["x-message"] = "must be 1-255 letters, digits, hyphens and underscores"
    props["containerDefinitions"].update(minItems=1)
    props["cpu"].update(type=["string", "integer"], pattern=CPU_PATTERN)
    props["cpu"]["x-message"] = "must be CPU units such as 256, 1024 or '1 vCPU'"
    props["memory"].update(type=["string", "integer"], pattern=MEMORY_PATTERN)
    props["memory"]["x-message"] = "must be MiB such as 512, 2048 or '2 GB'"
    for name, schema in READ_ONLY_FIELDS.items():
        props[name] = {
            "description": "Read-only output of describe-task-definition; ignored.",
            **schema,
        }

    container = defs[PREFIX + "ContainerDefinition"]
    container["required"] = ["name", "image"]
    container["properties"]["name"].update(pattern="^[A-Za-z0-9_-]{1,255}$")
    container["properties"]["name"]["x-message"] = (
        "must be 1-255 letters, digits, hyphens and underscores"
    )
    port_mapping = defs[PREFIX + "PortMapping"]
    for port in ("containerPort", "hostPort"):
        port_mapping["properties"][port].update(minimum=0, maximum=65535)
    # Under awsvpc a mapping is one container port (its hostPort is the same); the load
    # balancer, the security groups and render all work port by port, not with ranges.
    port_mapping["required"] = ["containerPort"]

    log = defs[PREFIX + "LogConfiguration"]
    log["if"] = {"properties": {"logDriver": {"const": "awslogs"}}, "required": ["logDriver"]}
    log["then"] = {
        "properties": {
            "options": {
                "type": "object",
                "additionalProperties": False,
                "properties": {name: {"type": "string"} for name in AWSLOGS_OPTIONS},
            }
        }
    }


NULL = {"type": "null"}


def allow_null_for_optional_fields(defs: dict[str, Any]) -> None:
    """A null for an optional field means absent: task definitions copied from consoles and
    other tools often write absent fields as null (``"ulimits": null``). Each optional
    property becomes ``anyOf: [<its schema>, null]`` (ecsdrop drops such a null, with a
    warning); a required one still refuses null. Runs after the overrides, which decide
    what is required."""
    for definition in defs.values():
        for node in (definition, definition.get("then", {})):
            required = set(definition.get("required", []))
            properties = node.get("properties", {})
            for name, prop in properties.items():
                if name not in required:
                    properties[name] = nullable(prop)


def nullable(prop: dict[str, Any]) -> dict[str, Any]:
    inner = {k: v for k, v in prop.items() if k != "description"}
    described = {"description": prop["description"]} if "description" in prop else {}
    return {**described, "anyOf": [inner, NULL]}


def generate() -> dict[str, Any]:
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    generator = Generator()
    generator.ref(shape)
    apply_overrides(generator.defs)
    allow_null_for_optional_fields(generator.defs)
    return dict(sorted(generator.defs.items()))


def merged_schema(current: dict[str, Any]) -> dict[str, Any]:
    own = {k: v for k, v in current["$defs"].items() if not k.startswith(PREFIX)}
    return {**current, "$defs": {**own, **generate()}}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the file is stale")
    args = parser.parse_args()
    current_text = SCHEMA_FILE.read_text(encoding="utf-8")
    wanted = render(merged_schema(json.loads(current_text)))
    if args.check:
        if wanted != current_text:
            print(f"{SCHEMA_FILE.name} is stale: run `make schema`", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(wanted, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A function's environment as Lambda sets it: the runtime's variables, then the template's
(Globals and the function's own), with its intrinsics resolved as a deployed stack named
`ecsdrop` in 123456789012/us-east-1 would resolve them, at the parameters' defaults."""

from __future__ import annotations

import re
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::StackName": "ecsdrop",
}
_SUB = re.compile(r"\$\{([^}]+)\}")


class Resolver:
    def __init__(self, template: dict[str, Any]) -> None:
        self._parameters = template.get("Parameters", {})
        self._resources = template.get("Resources", {})
        self._conditions = template.get("Conditions", {})

    def ref(self, name: str) -> str:
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self._parameters:
            return str(self._parameters[name].get("Default", ""))
        if name not in self._resources:
            raise KeyError(f"Ref to {name}, which the template does not define")
        kind = self._resources[name]["Type"]
        if kind == "AWS::Serverless::StateMachine":
            return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:ecsdrop-{name}"
        if kind == "AWS::SecretsManager::Secret":
            return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ecsdrop-{name}-AbCdEf"
        return f"ecsdrop-{name}"

    def get_att(self, name: str, attribute: str) -> str:
        if attribute != "Arn":
            raise KeyError(f"{name}.{attribute}: only Arn attributes are resolved")
        kind = self._resources[name]["Type"]
        if kind == "AWS::IAM::Role":
            return f"arn:aws:iam::{ACCOUNT}:role/ecsdrop-{name}"
        return f"arn:aws:{kind.split('::')[1].lower()}:{REGION}:{ACCOUNT}:ecsdrop-{name}"

    def condition(self, name: str) -> bool:
        rule = self._conditions[name]
        left, right = rule["Fn::Equals"]
        return bool(self.value(left) == self.value(right))

    def substitute(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            name, _, attribute = match[1].partition(".")
            return self.get_att(name, attribute) if attribute else self.ref(name)

        return _SUB.sub(one, text)

    def value(self, value: Any) -> str:
        if isinstance(value, str | int | float | bool):
            return str(value).lower() if isinstance(value, bool) else str(value)
        if "Ref" in value:
            return self.ref(value["Ref"])
        if "Fn::GetAtt" in value:
            name, attribute = value["Fn::GetAtt"]
            return self.get_att(name, attribute)
        if "Fn::Sub" in value:
            return self.substitute(value["Fn::Sub"])
        if "Fn::If" in value:
            name, then, otherwise = value["Fn::If"]
            return self.value(then if self.condition(name) else otherwise)
        raise ValueError(f"cannot resolve {value!r}")


def template_variables(template: dict[str, Any], logical_id: str) -> dict[str, str]:
    """The function's Environment.Variables (Globals first), resolved."""
    resolver = Resolver(template)
    common = template.get("Globals", {}).get("Function", {}).get("Environment", {})
    own = template["Resources"][logical_id]["Properties"].get("Environment") or {}
    variables = {**common.get("Variables", {}), **own.get("Variables", {})}
    return {name: resolver.value(value) for name, value in variables.items()}

"""CloudFormation intrinsic functions, conditions and parameters, resolved as CloudFormation does.

Pure code: resources are reached through two callables (`ref`, `get_att`), so the resolver can be
unit-tested without a cloud and the deployer can plug in what it has created so far.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from ecsdrop.partitions import partition_of, url_suffix
from localcloud.errors import TemplateError


class _NoValue:
    """`AWS::NoValue`: the property it stands for is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LIST_PARAMETER_TYPES = ("CommaDelimitedList", "List<")


def pseudo_parameters(account_id: str, region: str, stack_name: str) -> dict[str, Any]:
    partition = partition_of(region)
    return {
        "AWS::AccountId": account_id,
        "AWS::Region": region,
        "AWS::Partition": partition,
        "AWS::StackName": stack_name,
        "AWS::StackId": f"arn:{partition}:cloudformation:{region}:{account_id}:stack/{stack_name}/"
        "00000000-0000-0000-0000-000000000000",
        "AWS::URLSuffix": url_suffix(region),
        "AWS::NotificationARNs": [],
        "AWS::NoValue": NO_VALUE,
    }


def _parameter_value(name: str, declaration: Mapping[str, Any], given: Mapping[str, Any]) -> Any:
    if name in given:
        value = given[name]
    elif "Default" in declaration:
        value = declaration["Default"]
    else:
        raise TemplateError(f"parameter {name} has no default and no value was given")
    allowed = declaration.get("AllowedValues")
    if allowed is not None and str(value) not in [str(option) for option in allowed]:
        raise TemplateError(f"parameter {name}: {value!r} is not one of {allowed}")
    kind = str(declaration.get("Type", "String"))
    if kind.startswith(_LIST_PARAMETER_TYPES) and isinstance(value, str):
        return [item.strip() for item in value.split(",")] if value else []
    return value if isinstance(value, list) else str(value)


def resolve_parameters(declarations: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Template parameters: the caller's values over the declared defaults, checked."""
    unknown = sorted(set(given) - set(declarations))
    if unknown:
        raise TemplateError(f"unknown parameter(s): {', '.join(unknown)}")
    return {
        name: _parameter_value(name, declaration or {}, given)
        for name, declaration in declarations.items()
    }


RefLookup = Callable[[str], Any]
GetAttLookup = Callable[[str, str], Any]


class IntrinsicResolver:
    """Resolves one template's intrinsic functions against parameters and deployed resources."""

    def __init__(
        self,
        *,
        parameters: Mapping[str, Any],
        pseudo: Mapping[str, Any],
        conditions: Mapping[str, Any] | None = None,
        mappings: Mapping[str, Any] | None = None,
        ref: RefLookup | None = None,
        get_att: GetAttLookup | None = None,
    ) -> None:
        self._names = {**pseudo, **parameters}
        self._condition_definitions = dict(conditions or {})
        self._condition_values: dict[str, bool] = {}
        self._mappings = mappings or {}
        self._ref = ref or self._no_resources
        self._get_att = get_att or (lambda logical_id, _attr: self._no_resources(logical_id))
        self._functions: dict[str, Callable[[Any], Any]] = {
            "Ref": self._fn_ref,
            "Fn::GetAtt": self._fn_get_att,
            "Fn::Sub": self._fn_sub,
            "Fn::Join": self._fn_join,
            "Fn::Select": self._fn_select,
            "Fn::Split": self._fn_split,
            "Fn::If": self._fn_if,
            "Fn::Equals": self._fn_equals,
            "Fn::Not": self._fn_not,
            "Fn::And": self._fn_and,
            "Fn::Or": self._fn_or,
            "Condition": self._fn_condition,
            "Fn::FindInMap": self._fn_find_in_map,
            "Fn::GetAZs": self._fn_get_azs,
            "Fn::Base64": self._fn_base64,
            "Fn::ToJsonString": self._fn_to_json_string,
        }

    @staticmethod
    def _no_resources(logical_id: str) -> Any:
        raise TemplateError(f"unresolved reference to {logical_id}")

    # -- entry points -------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic inside `value`; `AWS::NoValue` entries disappear."""
        if isinstance(value, dict):
            function = self._intrinsic_name(value)
            if function is not None:
                return self._functions[function](value[function])
            resolved_items = {key: self.resolve(item) for key, item in value.items()}
            return {key: item for key, item in resolved_items.items() if item is not NO_VALUE}
        if isinstance(value, list):
            resolved_list = [self.resolve(item) for item in value]
            return [item for item in resolved_list if item is not NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        if name not in self._condition_values:
            if name not in self._condition_definitions:
                raise TemplateError(f"unknown condition {name}")
            self._condition_values[name] = bool(self.resolve(self._condition_definitions[name]))
        return self._condition_values[name]

    def _intrinsic_name(self, value: dict[str, Any]) -> str | None:
        if len(value) != 1:
            return None
        (key,) = value
        if key in self._functions:
            return key
        if key.startswith("Fn::"):
            raise TemplateError(f"unsupported intrinsic function {key}")
        return None

    # -- functions -------------------------------------------------------------------------------

    def _fn_ref(self, name: Any) -> Any:
        name = self.resolve(name)
        if name in self._names:
            return self._names[name]
        return self._ref(name)

    def _fn_get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        else:
            logical_id, attribute = (self.resolve(part) for part in argument)
        return self._get_att(logical_id, attribute)

    def _fn_sub(self, argument: Any) -> str:
        if isinstance(argument, str):
            text, variables = argument, {}
        else:
            text, raw_variables = argument
            variables = self.resolve(raw_variables)

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            return self._stringify(self._sub_variable(name.strip(), variables), name)

        return _SUB_VARIABLE.sub(substitute, text)

    def _sub_variable(self, name: str, variables: Mapping[str, Any]) -> Any:
        if name in variables:
            return variables[name]
        if "." in name and name not in self._names:
            logical_id, _, attribute = name.partition(".")
            return self._get_att(logical_id, attribute)
        return self._fn_ref(name)

    @staticmethod
    def _stringify(value: Any, name: str) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise TemplateError(f"Fn::Sub variable {name} is not a string: {value!r}")

    def _fn_join(self, argument: Any) -> str:
        delimiter, items = argument
        resolved = self.resolve(items)
        if not isinstance(resolved, list):
            raise TemplateError(f"Fn::Join expects a list, got {resolved!r}")
        return str(delimiter).join(self._stringify(item, "Fn::Join item") for item in resolved)

    def _fn_select(self, argument: Any) -> Any:
        index, items = argument
        resolved = self.resolve(items)
        position = int(self.resolve(index))
        if not isinstance(resolved, list) or not 0 <= position < len(resolved):
            raise TemplateError(f"Fn::Select index {position} out of range for {resolved!r}")
        return resolved[position]

    def _fn_split(self, argument: Any) -> list[str]:
        delimiter, text = argument
        return str(self.resolve(text)).split(str(delimiter))

    def _fn_if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(name) else when_false)

    def _fn_equals(self, argument: Any) -> bool:
        left, right = (self.resolve(item) for item in argument)
        return str(left) == str(right) if not isinstance(left, list) else left == right

    def _fn_not(self, argument: Any) -> bool:
        (operand,) = argument
        return not self._truth(operand)

    def _fn_and(self, argument: Any) -> bool:
        return all(self._truth(operand) for operand in argument)

    def _fn_or(self, argument: Any) -> bool:
        return any(self._truth(operand) for operand in argument)

    def _truth(self, operand: Any) -> bool:
        return bool(self.resolve(operand))

    def _fn_condition(self, name: Any) -> bool:
        return self.condition(str(name))

    def _fn_find_in_map(self, argument: Any) -> Any:
        map_name, top_key, second_key = (self.resolve(item) for item in argument[:3])
        try:
            return self._mappings[map_name][top_key][second_key]
        except KeyError as missing:
            raise TemplateError(f"Fn::FindInMap: {missing} not found in {map_name}") from None

    def _fn_get_azs(self, region: Any) -> list[str]:
        name = self.resolve(region) or self._names["AWS::Region"]
        return [f"{name}{suffix}" for suffix in ("a", "b", "c")]

    def _fn_base64(self, text: Any) -> str:
        return base64.b64encode(str(self.resolve(text)).encode()).decode()

    def _fn_to_json_string(self, value: Any) -> str:
        return json.dumps(self.resolve(value), separators=(",", ":"))


def referenced_resources(value: Any, resource_ids: set[str]) -> set[str]:
    """Logical ids of the resources `value` refers to (Ref, GetAtt, Sub), for dependency order."""
    found: set[str] = set()
    _collect_references(value, resource_ids, found)
    return found


def _collect_references(value: Any, resource_ids: set[str], found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect_references(item, resource_ids, found)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        (key,) = value
        argument = value[key]
        if key == "Ref" and argument in resource_ids:
            found.add(argument)
            return
        if key == "Fn::GetAtt":
            target = argument.partition(".")[0] if isinstance(argument, str) else argument[0]
            if target in resource_ids:
                found.add(target)
            return
        if key == "Fn::Sub":
            _collect_sub_references(argument, resource_ids, found)
            return
    for item in value.values():
        _collect_references(item, resource_ids, found)


def _collect_sub_references(argument: Any, resource_ids: set[str], found: set[str]) -> None:
    text, variables = (argument, {}) if isinstance(argument, str) else argument
    _collect_references(variables, resource_ids, found)
    for name in _SUB_VARIABLE.findall(text):
        target = name.strip().partition(".")[0]
        if target in resource_ids and name not in variables:
            found.add(target)

"""Reading a spec document (YAML or JSON) into plain data plus the line:column of every field.

Hostile input is expected: the size is capped, YAML aliases cannot expand without bound,
nesting depth is limited, duplicate keys and unknown tags are errors, and bytes that are
not UTF-8 are reported at their place instead of raising.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import yaml

from ecsdrop.errors import DocumentLimitError, SpecError, YamlSyntaxError
from ecsdrop.spec.policy import DEFAULT_MAX_BYTES
from ecsdrop.spec.problems import Path, Problem

MAX_DEPTH = 40
MAX_VALUES = 20_000
MAX_SYNTAX_ERRORS = 20

_JSON_SUFFIXES = (".json",)


@dataclass(frozen=True)
class Document:
    """A parsed spec: its data and where each field starts (1-based line and column)."""

    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    format: str = "yaml"


def parse_document(
    raw: bytes | str,
    filename: str = "spec.yaml",
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    empty_ok: bool = False,
) -> Document:
    """Parse ``raw`` as JSON (by suffix or a leading ``{``) or YAML; raise SpecError on syntax.

    A spec cannot be empty; a settings file read the same way (``empty_ok``: a policy, a
    list of faults) may be, or hold only comments: its data is then None.
    """
    text = _decode(raw, max_bytes, empty_ok)
    if empty_ok and not text.strip():
        return Document(data=None)
    if filename.lower().endswith(_JSON_SUFFIXES) or text.lstrip().startswith("{"):
        document = _parse_json(text)
    else:
        document = _parse_yaml(text, empty_ok)
    unpaired = [
        problem.located(document.positions)
        for problem in islice(_unpaired_surrogates(document.data, ()), MAX_SYNTAX_ERRORS)
    ]
    if unpaired:
        raise SpecError(unpaired)
    return document


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unpaired_surrogates(data: Any, path: Path) -> Iterator[Problem]:
    """Escapes such as ``"\\ud800"`` decode to half a UTF-16 pair, which is no character:
    nothing could print it, and AWS would refuse it. (The walk is shallow: depth is capped.)"""
    if isinstance(data, str) and _SURROGATE.search(data):
        yield Problem(path, "text with an unpaired UTF-16 surrogate escape (such as \\ud800)")
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _unpaired_surrogates(key, (*path, key))
            yield from _unpaired_surrogates(value, (*path, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _unpaired_surrogates(item, (*path, i))


# --------------------------------------------------------------------------- bytes → text


def _decode(raw: bytes | str, max_bytes: int, empty_ok: bool = False) -> str:
    data = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise SpecError(
            [Problem((), f"the file is {len(data)} bytes; a spec may be at most {max_bytes} bytes")]
        )
    if not data.strip() and not empty_ok:
        raise SpecError([Problem((), "the file is empty")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line, column = _line_col_of_byte(data, e.start)
        raise SpecError(
            [Problem((), f"not UTF-8 text (byte 0x{data[e.start]:02x})", line, column)]
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line, column = _line_col(text, nul)
        raise SpecError([Problem((), "binary data (a NUL character) in a text spec", line, column)])
    return text


def _line_col_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = len(before) - (before.rfind(b"\n") + 1) + 1
    return line, column


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


# --------------------------------------------------------------------------- JSON

_BAREWORD = re.compile(r"[^\s,\]\}\[\{:\"]+")


def _parse_json(text: str) -> Document:
    problems = list(_json_syntax_problems(text))
    if problems:
        raise SpecError(problems)
    positions = _json_positions(text)
    data = json.loads(text, object_pairs_hook=_reject_duplicate_json_keys)
    if not positions:
        _check_depth(data)
    return Document(data=data, positions=positions, format="json")


def _json_positions(text: str) -> dict[Path, tuple[int, int]]:
    """Where each field starts, found by reading the JSON as YAML, which it is once its tabs
    are spaces (valid JSON has tabs only between tokens; one space keeps every column).

    The YAML walk also reports duplicate keys and deep nesting, each with its place. The
    rare valid JSON that YAML cannot read (a key over 1024 characters) goes without places.
    """
    try:
        return _parse_yaml(text.replace("\t", " ")).positions
    except YamlSyntaxError:
        return {}


def _check_depth(data: Any) -> None:
    """The nesting limit, for JSON the YAML walk could not measure."""
    pending = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise SpecError([Problem((), f"nesting is deeper than {MAX_DEPTH} levels")])
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            pending.extend((child, depth + 1) for child in children)


def _json_syntax_problems(original: str) -> Iterator[Problem]:
    """Every syntax error of a JSON text, not only the first.

    Like a compiler's panic-mode recovery: after each error, apply the obvious repair
    (insert the missing comma, replace a bare word by null, ...) and parse again, so one
    run reports the missing comma on line 12 and the stray ``[xx=xx]`` on line 30.
    The repaired text is only used to find the next error; positions are mapped back
    to the original text.
    """
    text = original
    edits: list[tuple[int, int]] = []  # (offset in the repaired text, characters added)
    for _ in range(MAX_SYNTAX_ERRORS):
        try:
            json.loads(text)
        except json.JSONDecodeError as e:
            offset = e.pos - sum(delta for at, delta in edits if at <= e.pos)
            line, column = _line_col(original, max(0, min(offset, len(original))))
            if not text[e.pos :].strip() and e.msg != "Extra data":
                # Out of text while an object or array is open: a repair would only invent
                # further errors at the same place.
                yield Problem((), _JSON_ENDS_EARLY, line, column)
                return
            yield Problem((), _friendly_json_message(e, text), line, column)
            repaired = _repair_json(text, e)
            if repaired is None or repaired == text:
                return
            edits.append((e.pos, len(repaired) - len(text)))
            text = repaired
        except RecursionError:
            yield Problem((), f"nesting is deeper than {MAX_DEPTH} levels")
            return
        else:
            return


_JSON_ENDS_EARLY = (
    "JSON syntax error: the file ends before the document does (a missing '}' or ']'?)"
)


def _friendly_json_message(e: json.JSONDecodeError, text: str) -> str:
    found = text[e.pos : e.pos + 12].split("\n", maxsplit=1)[0]
    found_text = f" (found {found!r})" if found else " (found the end of the file)"
    messages = {
        "Expecting ',' delimiter": "missing ',' between two items",
        "Expecting ':' delimiter": "missing ':' after a key",
        "Expecting value": "expected a value (string, number, object, array, true, false, null)",
        "Expecting property name enclosed in double quotes": (
            "expected a key in double quotes (a trailing comma, or an unquoted key?)"
        ),
        "Extra data": "unexpected text after the end of the document",
    }
    return "JSON syntax error: " + messages.get(e.msg, e.msg) + found_text


def _repair_json(text: str, e: json.JSONDecodeError) -> str | None:
    repair = _REPAIRS.get(e.msg)
    return repair(text, e.pos) if repair else None


def _insert(token: str) -> Callable[[str, int], str | None]:
    return lambda text, pos: text[:pos] + token + text[pos:]


def _replace_value(text: str, pos: int) -> str | None:
    word = _BAREWORD.match(text, pos)
    if word:
        return text[:pos] + "null" + text[word.end() :]
    if text[pos : pos + 1] in ("]", "}"):
        return _drop_trailing_comma(text, pos) or text[:pos] + "null" + text[pos:]
    return None


def _repair_key(text: str, pos: int) -> str | None:
    if text[pos : pos + 1] == "}":
        return _drop_trailing_comma(text, pos)
    word = _BAREWORD.match(text, pos)
    return text[:pos] + json.dumps(word.group()) + text[word.end() :] if word else None


_REPAIRS: dict[str, Callable[[str, int], str | None]] = {
    "Expecting ',' delimiter": _insert(","),
    "Expecting ':' delimiter": _insert(":"),
    "Expecting value": _replace_value,
    "Expecting property name enclosed in double quotes": _repair_key,
}


def _drop_trailing_comma(text: str, pos: int) -> str | None:
    before = text[:pos].rstrip()
    if before.endswith(","):
        comma = len(before) - 1
        return text[:comma] + " " + text[comma + 1 :]
    return None


def _reject_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Reported with its place by the YAML walk below; this only guards the data.
            raise SpecError([Problem((key,), f"duplicate key {key!r}")])
        result[key] = value
    return result


# --------------------------------------------------------------------------- YAML


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 timestamps and the ``=`` value tag.

    Dates stay strings (ECS fields are strings), and a bare ``=`` is text, not an error.
    """


_SpecLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:merge",
}


def _parse_yaml(text: str, empty_ok: bool = False) -> Document:
    too_deep = _deep_flow_collection(text)
    if too_deep is not None:
        raise SpecError([too_deep])
    try:
        loader = _SpecLoader(text)
    except yaml.reader.ReaderError as e:
        # The reader refuses control characters up front, before any line is parsed.
        message = f"YAML syntax error: the character U+{e.character:04X} is not allowed in YAML"
        raise YamlSyntaxError([Problem((), message, *_line_col(text, e.position))]) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = " ".join(str(part) for part in (e.context, e.problem) if part)
        raise YamlSyntaxError(
            [Problem((), f"YAML syntax error: {message}", line, column)]
        ) from None
    except yaml.YAMLError as e:
        raise YamlSyntaxError([Problem((), f"YAML syntax error: {e}")]) from None
    except RecursionError:
        raise SpecError([Problem((), f"nesting is deeper than {MAX_DEPTH} levels")]) from None
    finally:
        loader.dispose()
    if node is None:
        if empty_ok:
            return Document(data=None)
        raise SpecError([Problem((), "the file holds no document")])
    walker = _NodeWalker(loader)
    try:
        data = walker.value(node, ())
    except DocumentLimitError:
        data = None
    if walker.problems:
        raise SpecError(walker.problems)
    return Document(data=data, positions=walker.positions, format="yaml")


# PyYAML's scanner takes time quadratic in the depth of nested flow collections ("[[[[..."):
# 10,000 levels, 20 KB, take it half a minute, far past any limit of ours. The text is
# measured first; no real spec nests a tenth as deep.
MAX_FLOW_DEPTH = 200
_SCALAR_STARTS = "[{,"


def _deep_flow_collection(text: str) -> Problem | None:
    """The problem of a text whose ``[``/``{`` nest deeper than MAX_FLOW_DEPTH, found in
    one pass: brackets in quoted scalars and comments do not count (a quote opens a scalar
    only where YAML would start one, so ``it's`` hides nothing)."""
    depth = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char in "'\"" and _starts_scalar(text, i):
            i = _end_of_quoted(text, i)
            continue
        if char == "#" and (i == 0 or text[i - 1] in " \t\n"):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if char in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                message = f"nesting is deeper than {MAX_DEPTH} levels"
                return Problem((), message, *_line_col(text, i))
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def _starts_scalar(text: str, at: int) -> bool:
    """Whether a quote at ``at`` opens a quoted scalar: at the start of a line, after a
    flow indicator, or after an indicator (``:``, ``-``, ``?``) and a space."""
    j = at - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    if j < 0 or text[j] == "\n" or text[j] in _SCALAR_STARTS:
        return True
    return j < at - 1 and text[j] in ":-?"


def _end_of_quoted(text: str, start: int) -> int:
    """The index after the quoted scalar opening at ``start`` (the end of the text when it
    never closes: then nothing after it is nesting either)."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        char = text[i]
        if quote == '"' and char == "\\":
            i += 2
            continue
        if char == quote:
            if quote == "'" and text[i + 1 : i + 2] == "'":  # '' is an escaped quote
                i += 2
                continue
            return i + 1
        i += 1
    return len(text)


class _NodeWalker:
    """Turns composed YAML nodes into plain data, recording positions and refusing abuse."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self._loader = loader
        self.positions: dict[Path, tuple[int, int]] = {(): (1, 1)}
        self.problems: list[Problem] = []
        self._count = 0

    def value(self, node: yaml.Node, path: Path) -> Any:
        self._count += 1
        if self._count > MAX_VALUES:
            self._fail(
                node,
                path,
                f"the document expands to more than {MAX_VALUES} values "
                "(YAML aliases repeating large parts?)",
            )
            raise DocumentLimitError
        if len(path) > MAX_DEPTH:
            self._fail(node, path, f"nesting is deeper than {MAX_DEPTH} levels")
            raise DocumentLimitError
        if node.tag not in _STANDARD_TAGS:
            self._fail(node, path, f"unsupported YAML tag {node.tag!r}")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self._item(child, (*path, i)) for i, child in enumerate(node.value)]
        return self._loader.construct_object(node, deep=True)

    def _item(self, node: yaml.Node, path: Path) -> Any:
        self.positions.setdefault(path, _start(node))
        return self.value(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._merge(result, value_node, path)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(key_node, path, "a key must be a plain string")
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in result and child in self.positions:
                line, _ = self.positions[child]
                self._fail(key_node, child, f"duplicate key {key!r} (first on line {line})")
                continue
            self.positions[child] = _start(key_node)
            result[key] = self.value(value_node, child)
        return result

    def _merge(self, result: dict[str, Any], node: yaml.Node, path: Path) -> None:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            merged = self.value(source, path)
            if not isinstance(merged, dict):
                self._fail(source, path, "a YAML merge key (<<) needs a mapping")
                continue
            for key, value in merged.items():
                result.setdefault(key, value)

    def _fail(self, node: yaml.Node, path: Path, message: str) -> None:
        line, column = _start(node)
        self.problems.append(Problem(path, message, line, column))


def _start(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1

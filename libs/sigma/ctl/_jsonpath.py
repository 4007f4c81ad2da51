"""kubectl's JSONPath templates over the protobuf JSON form: ``-o jsonpath=``, ``--sort-by`` and
``wait --for=jsonpath=``.

The expressions are JSONPath, parsed and evaluated by ``jsonpath-ng`` (its extended grammar:
filters such as ``[?(@.spec.nodeName=="vm")]``). What is kubectl's own is the template around
them, kept as small as kubectl's: literal text, ``{expression}``, ``{"literal"}`` (a JSON
string, so ``{"\\n"}`` is a newline) and ``{range expression}…{end}``. An expression starting
with ``.`` reads the current object (the listed reply at the top, each item inside a range);
one starting with ``$`` reads the top. Several matches print space-separated, maps and lists
as JSON, and a path that matches nothing prints nothing, as kubectl does by default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.ext import parse as _parse

from sigma.errors import Invalid

# A `{…}` action: anything but braces, with JSON strings (which may hold braces) kept whole.
_ACTION = re.compile(r'\{((?:[^{}"]|"(?:\\.|[^"\\])*")*)\}')


@lru_cache(maxsize=64)
def compile_path(text: str, field: str = "jsonpath") -> JSONPath:
    """A JSONPath from ``.a.b``, ``{.a.b}``, ``a.b`` or ``$.a.b``; ``Invalid`` if it is none."""
    expr = text.strip()
    if expr.startswith("{") and expr.endswith("}"):
        expr = expr[1:-1].strip()
    if not expr:
        raise Invalid(field, "empty expression")
    if not expr.startswith("$"):
        expr = "$" + (expr if expr.startswith((".", "[")) else "." + expr)
    try:
        return _parse(expr)
    except (JSONPathError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise Invalid(field, f"{text!r} is not a JSONPath expression: {exc}") from None


def values(path: JSONPath, data: Any) -> list[Any]:
    return [m.value for m in path.find(data)]


def text(value: Any) -> str:
    """A matched value as kubectl prints it: strings bare, booleans lower case, the rest JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class _Node:
    kind: str  # "text", "expr", "range"
    value: str = ""
    path: JSONPath | None = None
    root: bool = False  # the expression starts with $
    body: tuple[_Node, ...] = ()


def _tokens(template: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    at = 0
    for match in _ACTION.finditer(template):
        if match.start() > at:
            out.append(("text", template[at : match.start()]))
        out.append(("action", match.group(1).strip()))
        at = match.end()
    rest = template[at:]
    if "{" in rest or "}" in rest:
        raise Invalid("jsonpath", f"unbalanced braces in {template!r}")
    if rest:
        out.append(("text", rest))
    return out


def _action(action: str) -> _Node:
    if action.startswith('"'):
        try:
            literal = json.loads(action, strict=False)
        except json.JSONDecodeError:
            raise Invalid("jsonpath", f"{{{action}}} is not a JSON string") from None
        return _Node("text", str(literal))
    return _Node("expr", path=compile_path(action), root=action.startswith("$"))


def _nest(
    tokens: list[tuple[str, str]], at: int, template: str, inside: bool
) -> tuple[list[_Node], int]:
    """Nodes from ``tokens[at:]`` to the end, or (``inside`` a range) to its ``{end}``."""
    nodes: list[_Node] = []
    while at < len(tokens):
        kind, value = tokens[at]
        at += 1
        if kind == "text":
            nodes.append(_Node("text", value))
        elif value == "end":
            if not inside:
                raise Invalid("jsonpath", f"{{end}} without {{range}} in {template!r}")
            return nodes, at
        elif value == "range" or value.startswith("range "):
            expr = value[len("range") :].strip()
            body, at = _nest(tokens, at, template, inside=True)
            path = compile_path(expr)
            nodes.append(_Node("range", path=path, root=expr.startswith("$"), body=tuple(body)))
        else:
            nodes.append(_action(value))
    if inside:
        raise Invalid("jsonpath", f"{{range}} without {{end}} in {template!r}")
    return nodes, at


@lru_cache(maxsize=16)
def compile_template(template: str) -> tuple[_Node, ...]:
    """The template, parsed once; ``Invalid("jsonpath", …)`` names what is wrong."""
    if not template:
        raise Invalid("jsonpath", "empty template: -o jsonpath='{.items[*].meta.name}'")
    nodes, _ = _nest(_tokens(template), 0, template, inside=False)
    return tuple(nodes)


def render(template: str, data: Any) -> str:
    """The template filled from ``data`` (the protobuf JSON form of what ``get`` read)."""
    return _render(compile_template(template), data, data)


def _render(nodes: Sequence[_Node], current: Any, top: Any) -> str:
    out: list[str] = []
    for node in nodes:
        if node.kind == "text":
            out.append(node.value)
            continue
        assert node.path is not None
        found = values(node.path, top if node.root else current)
        if node.kind == "expr":
            out.append(" ".join(text(v) for v in found))
        else:
            out.extend(_render(node.body, item, top) for item in found)
    return "".join(out)


def sort_key(value: Any) -> tuple[int, Any]:
    """Orders values of one field across objects: absent first (proto JSON omits zero values),
    then numbers (64-bit integers arrive as decimal strings), times, strings, the rest."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        if re.fullmatch(r"-?\d+(\.\d+)?", value):
            return (1, float(value))
        if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", value):
            return (2, datetime.fromisoformat(value).timestamp())
        return (3, value)
    return (4, json.dumps(value, sort_keys=True))

"""Label and field selectors as the Kubernetes API takes them in ``labelSelector`` and
``fieldSelector``.

Pure. Equality terms of a label selector are handed to the store's own filter (a Sigma List's
``match_labels``); every term, set-based ones included (``in``, ``notin``, ``!key``, ``key``),
is then checked on each object, so the answer is exact. A field selector names only the
fields each kind lists (``fields`` of its mapping); any other field is refused with 400, as
the Kubernetes API server refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sigma.apiserver.kube.status import bad_request

Term = Callable[[Mapping[str, str]], bool]
_SET = re.compile(r"^\s*([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_CMP = re.compile(r"^\s*(!?)\s*([^\s!=()]+)\s*(?:(==|=|!=)\s*([^\s!=(),]*))?\s*$")


def _split(text: str) -> list[str]:
    """Top-level comma-separated terms (commas inside ``in (a,b)`` stay in their term)."""
    terms, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        terms.append(current)
    return [t for t in terms if t.strip()]


@dataclass(slots=True)
class Selector:
    """A parsed selector: ``equal`` for the store's filter, ``terms`` for the exact check."""

    equal: dict[str, str] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the keys named, for field checks

    def matches(self, values: Mapping[str, str]) -> bool:
        return all(term(values) for term in self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse(text: str, what: str = "labelSelector") -> Selector:
    out = Selector()
    for raw in _split(text or ""):
        found = _SET.match(raw)
        if found:
            key, op, values = (
                found.group(1),
                found.group(2),
                {v.strip() for v in found.group(3).split(",") if v.strip()},
            )
            out.names.append(key)
            if op == "in":
                out.terms.append(lambda m, k=key, vs=values: m.get(k) in vs)
            else:
                out.terms.append(lambda m, k=key, vs=values: m.get(k) not in vs)
            continue
        found = _CMP.match(raw)
        if not found:
            raise bad_request(f"unable to parse requirement {raw.strip()!r} of {what}")
        bang, key, op, value = found.groups()
        out.names.append(key)
        if bang and op:
            raise bad_request(f"unable to parse requirement {raw.strip()!r} of {what}")
        if bang:
            out.terms.append(lambda m, k=key: k not in m)
        elif op is None:
            out.terms.append(lambda m, k=key: k in m)
        elif op == "!=":
            out.terms.append(lambda m, k=key, v=value: m.get(k) != v)
        else:
            out.equal[key] = value or ""
            out.terms.append(lambda m, k=key, v=value or "": m.get(k) == v)
    return out


def fields(text: str, allowed: Mapping[str, str] | None) -> Selector:
    """A field selector; keys not in ``allowed`` (a sample object's fields) are refused."""
    out = parse(text, "fieldSelector")
    for name in out.names:
        if allowed is None or name not in allowed:
            raise bad_request(f"field label not supported: {name}")
    return out

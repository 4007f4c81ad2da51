"""Manifests: Kubernetes-style YAML documents, to the generated messages and back.

A document is::

    apiVersion: sigma.io/v1
    kind: App            # App, BatchJob, Node or InterferenceRuleSet
    metadata: {name: web, namespace: default, labels: {team: shop}}
    spec: {...}          # the kind's spec message (AppSpec, BatchJobSpec, NodeSpec)
    status: {...}        # optional and ignored: lets `get -o yaml` output be applied again

``metadata`` is ``sigma.v1.ObjectMeta`` and ``spec`` the kind's spec message, spelled as
``sigma.ctl._convert`` describes (lowerCamelCase). Every error names the source, the
document's index (1-based, as an editor counts ``---`` sections) and the field path.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml
from google.protobuf.message import Message

from sigma.ctl._convert import camel, from_data, to_data
from sigma.ctl._kinds import APPLICABLE, KindInfo
from sigma.errors import Invalid

API_VERSION = "sigma.io/v1"
SUFFIXES = (".yaml", ".yml", ".json")
_TOP = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})


class ManifestError(Invalid):
    """A manifest that cannot be sent: where it is (source, document) and what is wrong."""

    def __init__(self, source: str, index: int, field: str, reason: str) -> None:
        super().__init__(f"{source}: document {index}: {field}", reason)
        self.source = source
        self.index = index


@dataclass(frozen=True, slots=True)
class Manifest:
    source: str  # file name, or "-" for stdin
    index: int  # 1-based document number within the source
    kind: KindInfo
    obj: Message  # App, BatchJob or Node with meta and spec filled

    @property
    def name(self) -> str:
        return str(self.obj.meta.name)  # type: ignore[attr-defined]

    @property
    def label(self) -> str:
        """``App default/web`` (``Node n1``), for messages."""
        ns = self.obj.meta.namespace  # type: ignore[attr-defined]
        return f"{self.kind.name} {ns + '/' if ns else ''}{self.name}"


def sources(paths: list[str]) -> Iterator[tuple[str, str]]:
    """(name, text) for each path: a file, ``-`` (stdin), or a directory's manifests by name."""
    for path in paths:
        if path == "-":
            yield "-", sys.stdin.read()
            continue
        p = Path(path)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.suffix in SUFFIXES and f.is_file())
            if not files:
                raise Invalid(path, f"no {'/'.join(SUFFIXES)} files in this directory")
        else:
            files = [p]
        for f in files:
            try:
                yield str(f), f.read_text()
            except OSError as exc:
                raise Invalid(str(f), f"cannot read: {exc.strerror}") from exc


def parse(text: str, source: str, namespace: str = "", default: str = "") -> list[Manifest]:
    """Every non-empty document of ``text``. ``namespace`` (the ``-n`` flag) must agree with a
    document's metadata.namespace; it, else ``default``, fills an unset one."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "yaml"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise Invalid(f"{source}: {where}", f"not valid YAML: {problem}") from None
    out = []
    for index, doc in enumerate(documents, start=1):
        if doc is None:
            continue
        out.append(parse_document(doc, source, index, namespace, default))
    return out


def parse_document(
    doc: Any, source: str, index: int, namespace: str = "", default: str = ""
) -> Manifest:
    def fail(field: str, reason: str) -> ManifestError:
        return ManifestError(source, index, field, reason)

    if not isinstance(doc, dict):
        raise fail(".", "a manifest is a mapping with apiVersion, kind, metadata and spec")
    unknown = sorted(str(k) for k in doc if k not in _TOP)
    if unknown:
        raise fail(unknown[0], f"unknown top-level field (known: {', '.join(sorted(_TOP))})")
    if doc.get("apiVersion") != API_VERSION:
        raise fail("apiVersion", f"must be {API_VERSION}, got {doc.get('apiVersion')!r}")
    kind = APPLICABLE.get(str(doc.get("kind")))
    if kind is None:
        raise fail("kind", f"must be one of {', '.join(APPLICABLE)}, got {doc.get('kind')!r}")
    for part in ("metadata", "spec"):
        if not isinstance(doc.get(part), dict):
            raise fail(part, "required (a mapping)")
    obj = kind.message()
    try:
        from_data(doc["metadata"], obj.meta, "metadata")  # type: ignore[attr-defined]
        from_data(doc["spec"], obj.spec, "spec")  # type: ignore[attr-defined]
    except Invalid as exc:
        raise fail(exc.field, exc.reason) from None
    meta = obj.meta  # type: ignore[attr-defined]
    if not meta.name:
        raise fail("metadata.name", "required")
    if kind.namespaced:
        if namespace and meta.namespace and meta.namespace != namespace:
            raise fail(
                "metadata.namespace", f"is {meta.namespace!r} but --namespace is {namespace!r}"
            )
        meta.namespace = meta.namespace or namespace or default
    elif meta.namespace:
        raise fail("metadata.namespace", f"must be empty: {kind.name} is cluster-scoped")
    return Manifest(source, index, kind, obj)


def manifest_field(server_field: str) -> str:
    """A field path the apiserver reported (``app.spec.time_sharing.lead_time``), as the
    manifest spells it (``spec.timeSharing.leadTime``)."""
    head, _, rest = server_field.partition(".")
    path = rest if head in ("app", "job", "node", "rule_set") and rest else server_field
    parts = path.split(".")
    if parts[0] == "meta":
        parts[0] = "metadata"
    return ".".join(_camel_segment(p) for p in parts)


def _camel_segment(segment: str) -> str:
    name, bracket, rest = segment.partition("[")
    return camel(name) + bracket + rest


def to_document(kind: KindInfo, obj: Message) -> dict[str, Any]:
    """A stored object as a manifest document (status included, for reading); a kind without
    spec and status (an event record) gives its fields as they are, after its metadata."""
    doc: dict[str, Any] = {"apiVersion": API_VERSION, "kind": kind.name}
    for key, value in to_data(obj).items():
        doc["metadata" if key == "meta" else key] = value
    return doc


def dump_yaml(documents: list[dict[str, Any]], out: TextIO) -> None:
    yaml.safe_dump_all(documents, out, sort_keys=False, default_flow_style=False)

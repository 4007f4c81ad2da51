"""How ``get`` prints what it read: ``-o table|wide|name|json|yaml|jsonpath=TEMPLATE``, sorted by
``--sort-by``, with a NAMESPACE column under ``-A``. Pure: messages in, text out.

JSON is the protobuf JSON mapping (``json_format.MessageToDict``), the form gRPC tools and the
change stream use; a list is the List reply's shape, ``{"items": […]}``. ``jsonpath`` templates
and ``--sort-by`` paths read that same form (``.meta.name``, ``.status.phase``), so what a user
sees in ``-o json`` is what they address.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from sigma.ctl import _jsonpath as J
from sigma.ctl import _tables as T
from sigma.ctl._convert import enum_name
from sigma.ctl._kinds import KindInfo
from sigma.ctl._manifest import dump_yaml, to_document
from sigma.errors import Invalid
from sigma.v1 import meta_pb2

FORMATS = ("table", "wide", "name", "json", "yaml")
OUTPUT_HELP = "table (default), wide, name, json, yaml, or jsonpath=TEMPLATE"


@dataclass(frozen=True, slots=True)
class Output:
    format: str  # one of FORMATS, or "jsonpath"
    template: str = ""

    @property
    def tabular(self) -> bool:
        return self.format in ("table", "wide")


def parse_output(text: str) -> Output:
    """``-o``'s value, checked (a jsonpath template is compiled here, before any call)."""
    if text in FORMATS:
        return Output(text)
    for prefix in ("jsonpath=", "jsonpath-as-text="):
        if text.startswith(prefix):
            template = text[len(prefix) :]
            J.compile_template(template)
            return Output("jsonpath", template)
    raise Invalid("--output", f"{text!r} is not one of {OUTPUT_HELP}")


def as_json(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message)


def sort_items(items: Sequence[Message], path: str) -> list[Message]:
    """``items`` ordered by the value at ``path`` in each one's JSON form (stable)."""
    compiled = J.compile_path(path, "--sort-by")

    def key(item: Message) -> tuple[int, Any]:
        found = J.values(compiled, as_json(item))
        return J.sort_key(found[0] if found else None)

    return sorted(items, key=key)


def object_name(kind: KindInfo, item: Message) -> str:
    """``app/web``: what ``-o name`` prints and other commands take."""
    return f"{kind.singular}/{item.meta.name}"  # type: ignore[attr-defined]


def render(
    kind: KindInfo,
    items: Sequence[Message],
    out: Output,
    *,
    single: bool,
    namespaces: bool = False,
    now_ns: int = 0,
) -> str:
    """The text ``get`` writes for ``items`` (a jsonpath template's output has no newline of
    its own, as kubectl's has none)."""
    if out.tabular:
        wide = out.format == "wide"
        ns = namespaces and kind.namespaced
        return table(kind.name, items, now_ns, wide=wide, namespaces=ns) + "\n"
    if out.format == "name":
        return "".join(object_name(kind, item) + "\n" for item in items)
    if out.format == "yaml":  # the manifest form: edit it and apply it again
        buffer = io.StringIO()
        dump_yaml([to_document(kind, item) for item in items], buffer)
        return buffer.getvalue()
    data = as_json(items[0]) if single else {"items": [as_json(item) for item in items]}
    if out.format == "json":
        return json.dumps(data, indent=2) + "\n"
    return J.render(out.template, data)


Row = Callable[[Any, int], list[str]]


def columns(kind: str, *, wide: bool, namespaces: bool) -> tuple[tuple[str, ...], Row]:
    """Headers and row function of ``kind``'s table: ``wide`` adds its wide columns,
    ``namespaces`` (``-A``) puts NAMESPACE first."""
    headers, row = T.GET[kind]
    extra_headers, extra = WIDE.get(kind, ((), None)) if wide else ((), None)

    def full(item: Any, now: int) -> list[str]:
        cells = row(item, now)
        if extra is not None:
            cells = [*cells, *extra(item, now)]
        return [item.meta.namespace or "-", *cells] if namespaces else cells

    names = (*headers, *extra_headers)
    return (("NAMESPACE", *names) if namespaces else names), full


def table(kind: str, items: Sequence[Any], now_ns: int, *, wide: bool, namespaces: bool) -> str:
    headers, row = columns(kind, wide=wide, namespaces=namespaces)
    return T.render(headers, [row(item, now_ns) for item in items])


def _images(template: Any) -> str:
    return ",".join(c.image or (c.command[0] if c.command else "-") for c in template.containers)


def _containers(template: Any) -> str:
    return ",".join(c.name for c in template.containers) or "-"


def _labels(values: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(values.items())) or "<none>"


def _wide_app(app: Any, now: int) -> list[str]:
    t = app.spec.template
    return [_containers(t), _images(t), f"sigma.io/app={app.meta.name}"]


def _wide_job(job: Any, now: int) -> list[str]:
    tasks = ",".join(t.name for t in job.spec.tasks) or "-"
    return [T.qos(job.spec.qos_class), tasks]


def _wide_pod(pod: Any, now: int) -> list[str]:
    t = pod.spec.template
    return [pod.status.nominated_node_name or "<none>", str(pod.spec.priority), _images(t)]


def _wide_node(node: Any, now: int) -> list[str]:
    cap, topo = node.spec.capacity, node.spec.topology
    effect = meta_pb2.TaintEffect.DESCRIPTOR
    taints = ",".join(f"{t.key}:{enum_name(effect, t.effect)}" for t in node.spec.taints)
    return [
        f"{T.cpu(cap.cpu_millis)}/{T.memory(cap.memory_bytes)}",
        topo.chassis or "-",
        topo.core_switch or "-",
        taints or "<none>",
        _labels(node.meta.labels),
    ]


def _wide_task(task: Any, now: int) -> list[str]:
    return [task.status.message or "-"]


def _wide_record(record: Any, now: int) -> list[str]:
    return [T.age(record.first_at, now), record.source or "-"]


def _wide_rule_set(rule_set: Any, now: int) -> list[str]:
    apps = sorted({ref for r in rule_set.spec.rules for ref in (r.app_a, r.app_b)})
    return [",".join(apps) or "<none>", _labels(rule_set.meta.labels)]


WIDE: dict[str, tuple[tuple[str, ...], Row]] = {
    "App": (("CONTAINERS", "IMAGES", "SELECTOR"), _wide_app),
    "BatchJob": (("QOS", "TASK-NAMES"), _wide_job),
    "Pod": (("NOMINATED-NODE", "PRIORITY", "IMAGES"), _wide_pod),
    "Node": (("CAPACITY", "CHASSIS", "CORE-SWITCH", "TAINTS", "LABELS"), _wide_node),
    "Task": (("MESSAGE",), _wide_task),
    "EventRecord": (("FIRST-SEEN", "SOURCE"), _wide_record),
    "InterferenceRuleSet": (("APPS", "LABELS"), _wide_rule_set),
}

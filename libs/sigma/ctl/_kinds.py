"""The kinds sigmactl knows: their names on the command line and the RPCs that serve them.

One table, so ``get``, ``describe``, ``delete`` and ``apply`` agree on spelling and on which
request message each call takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from sigma.errors import Invalid
from sigma.resources.kinds import APP, BATCH_JOB, INTERFERENCE_RULE_SET, NODE, POD, TASK, Kind
from sigma.resources.records import RECORD
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import meta_pb2


@dataclass(frozen=True, slots=True)
class KindInfo:
    kind: Kind[Any]
    service: str  # the apiserver service: "Apps", "Pods", ...
    aliases: tuple[str, ...]  # command-line spellings, the plural first
    name_field: str = "name"  # the request field naming one object
    deletable: bool = True
    readable: bool = True  # served by Get and Watch, and selects by label (not: List only)

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def singular(self) -> str:
        """``app``, ``pod``, ``event``: the word of ``app/web``."""
        return self.aliases[1]

    @property
    def message(self) -> type[Message]:
        return self.kind.message

    @property
    def namespaced(self) -> bool:
        return self.kind.namespaced

    @property
    def event_field(self) -> str:
        return self.kind.event_field

    def request(self, method: str, namespace: str, **fields: Any) -> Message:
        """``Get``/``List``/``Watch``/``Delete`` request of this kind."""
        noun = self.service if method in ("List", "Watch") else self.name
        name = f"{method}{noun}Request"
        if "name" in fields and self.name_field != "name":
            fields[self.name_field] = fields.pop("name")
        if "selector" in fields:
            selector = fields.pop("selector")
            if self.readable:
                fields["label_selector"] = meta_pb2.LabelSelector(match_labels=selector)
            elif selector:
                raise Invalid("--selector", f"{self.aliases[0]} are not selected by label")
        message: type[Message] = getattr(api, name)
        return message(namespace=namespace, **fields)


APPS = KindInfo(APP, "Apps", ("apps", "app"))
BATCH_JOBS = KindInfo(BATCH_JOB, "BatchJobs", ("batchjobs", "batchjob", "jobs", "job"))
PODS = KindInfo(POD, "Pods", ("pods", "pod", "po"))
NODES = KindInfo(NODE, "Nodes", ("nodes", "node", "no"), name_field="node_name")
TASKS = KindInfo(TASK, "Tasks", ("tasks", "task"), deletable=False)
EVENTS = KindInfo(RECORD, "Events", ("events", "event", "ev"), deletable=False, readable=False)
RULE_SETS = KindInfo(
    INTERFERENCE_RULE_SET,
    "InterferenceRuleSets",
    ("interferencerulesets", "interferenceruleset", "irs"),
)

ALL = (APPS, BATCH_JOBS, PODS, NODES, TASKS, EVENTS, RULE_SETS)
APPLICABLE = {k.name: k for k in (APPS, BATCH_JOBS, NODES, RULE_SETS)}  # a manifest's kinds
_BY_ALIAS = {alias: k for k in ALL for alias in (*k.aliases, k.name.lower())}


def lookup(text: str) -> KindInfo:
    """The kind a command-line word names (``apps``, ``app``, ``App``)."""
    found = _BY_ALIAS.get(text.lower())
    if found is None:
        names = ", ".join(k.aliases[0] for k in ALL)
        raise Invalid("kind", f"{text!r} is not one of {names}")
    return found

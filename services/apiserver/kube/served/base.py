"""What one served resource is: its names (discovery), its rendering, and its reads.

A resource reads through its Sigma servicer, so paging (one revision for every page),
selectors and watch are the gRPC door's. Kubernetes semantics that Sigma's List lacks are
added here: set-based and field selectors are checked on each object (a page may come back
shorter than ``limit``, with a ``continue``, as Kubernetes allows), and a list without a
``limit`` reads every page.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from google.protobuf.message import Message

from sigma.apiserver.kube import meta as M
from sigma.apiserver.kube import selectors
from sigma.apiserver.kube.calls import Call
from sigma.apiserver.kube.status import method_not_allowed
from sigma.errors import Invalid
from sigma.resources.repository import MAX_PAGE
from sigma.v1 import apiserver_pb2 as rpc
from sigma.v1 import event_pb2, meta_pb2


@dataclass(frozen=True, slots=True)
class Sub:
    """A subresource as discovery describes it."""

    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str = ""
    version: str = "v1"


@dataclass(frozen=True, slots=True)
class Names:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ("get", "list", "watch")
    subresources: tuple[Sub, ...] = ()
    layout: str = ""  # the tables.LAYOUTS entry; the kind's own by default

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()


@dataclass(slots=True)
class Query:
    """A list or watch request's parameters, parsed."""

    labels: selectors.Selector = field(default_factory=selectors.Selector)
    fields: selectors.Selector = field(default_factory=selectors.Selector)
    limit: int = 0
    token: str = ""


@dataclass(slots=True)
class Page:
    items: list[Any]
    token: str
    revision: int


class Served:
    """A read-only resource over one servicer; subclasses add writes."""

    names: ClassVar[Names]
    servicer: ClassVar[str]  # the Backend attribute
    message: ClassVar[type[Message]]
    event_field: ClassVar[str]
    requests: ClassVar[tuple[type[Message], type[Message], type[Message]]]  # Get, List, Watch
    name_field: ClassVar[str] = "name"
    render: Callable[[Any], dict[str, Any]]
    field_values: Callable[[Any], dict[str, str]] | None = None

    def namespace(self, call: Call, namespace: str, verb: str = "read") -> str:
        return namespace if self.names.namespaced else call.team(verb)  # type: ignore[arg-type]

    def fields(self, obj: Any) -> dict[str, str]:
        meta = obj.meta
        base = {"metadata.name": meta.name}
        if self.names.namespaced:
            base["metadata.namespace"] = meta.namespace
        return {**base, **(self.field_values(obj) if self.field_values else {})}

    def field_names(self) -> dict[str, str]:
        """The fields a field selector may name (those of an empty object)."""
        return self.fields(self.message())

    async def get(self, call: Call, namespace: str, name: str) -> Any:
        servicer = getattr(call.backend, self.servicer)
        request = self.requests[0](namespace=self.namespace(call, namespace))
        setattr(request, self.name_field, name)
        return await call.unary(servicer, "Get", request)

    def narrow(self, request: Any, query: Query) -> None:
        """Hand the parts of a selector the servicer filters on itself to its request."""

    async def list(self, call: Call, namespace: str, query: Query) -> Page:
        servicer = getattr(call.backend, self.servicer)
        request = self.requests[1](
            namespace=self.namespace(call, namespace),
            label_selector=meta_pb2.LabelSelector(match_labels=query.labels.equal),
            page_size=query.limit or MAX_PAGE,
            page_token=query.token,
        )
        self.narrow(request, query)
        items: list[Any] = []
        while True:
            answer = await call.unary(servicer, "List", request)
            items.extend(o for o in answer.items if self.keep(o, query))
            if query.limit or not answer.next_page_token:
                return Page(items, answer.next_page_token, answer.resource_version)
            request.page_token = answer.next_page_token

    def keep(self, obj: Any, query: Query) -> bool:
        labels = obj.meta.labels
        return query.labels.matches(labels) and (
            not query.fields or query.fields.matches(self.fields(obj))
        )

    async def watch(
        self, call: Call, namespace: str, revision: int, query: Query
    ) -> AsyncIterator[event_pb2.Event]:
        servicer = getattr(call.backend, self.servicer)
        request = self.requests[2](
            namespace=self.namespace(call, namespace),
            label_selector=meta_pb2.LabelSelector(match_labels=query.labels.equal),
            resource_version=revision,
        )
        self.narrow(request, query)
        async for event in call.stream(servicer, "Watch", request):
            yield event

    def rename(self, field: str) -> str:
        """A field of Sigma's message as this kind names it (for the causes of a 422)."""
        return field

    @contextlib.contextmanager
    def renamed(self) -> Iterator[None]:
        """Refusals of the servicer, their field named as this kind names it."""
        try:
            yield
        except Invalid as exc:
            raise Invalid(self.rename(exc.field), exc.reason) from exc

    async def create_whole(
        self, call: Call, obj: Message, request: type[Message], part: str, dry: bool
    ) -> Any:
        """Create ``obj`` through the servicer's Create (``part``: the request's object field,
        also the answer's)."""
        namespace = obj.meta.namespace  # type: ignore[attr-defined]
        with self.renamed():
            ask = request(namespace=namespace, dry_run=dry, **{part: obj})
            answer = await call.unary(getattr(call.backend, self.servicer), "Create", ask)
        return getattr(answer, part)

    async def relabel(
        self, call: Call, namespace: str, name: str, body: dict[str, Any], dry: bool, why: str
    ) -> Any:
        """A replace that changes labels and annotations only; any change to ``spec`` is
        refused, ``why`` saying whose it is."""
        current = await self.get(call, namespace, name)
        fixed(self.render(current), body, "spec", why)
        wanted = self.message()
        M.read(body.get("metadata"), wanted.meta, namespace)  # type: ignore[attr-defined]
        change = metadata_change(current.meta, wanted.meta)  # type: ignore[attr-defined]
        if change is None:
            return current
        version = M.body_version(body)
        request = self.metadata_request(
            namespace=namespace, change=change, resource_version=version, dry_run=dry
        )
        setattr(request, self.name_field, name)
        servicer = getattr(call.backend, self.servicer)
        return await call.unary(servicer, "UpdateMetadata", request)

    metadata_request: ClassVar[type[Message]]

    async def create(self, call: Call, namespace: str, body: dict[str, Any], dry: bool) -> Any:
        raise method_not_allowed(f"{self.names.plural} cannot be created through this API")

    async def replace(
        self, call: Call, namespace: str, name: str, body: dict[str, Any], dry: bool
    ) -> Any:
        raise method_not_allowed(f"{self.names.plural} cannot be changed through this API")

    async def delete(
        self, call: Call, namespace: str, name: str, options: dict[str, Any], dry: bool
    ) -> Any:
        raise method_not_allowed(f"{self.names.plural} cannot be deleted through this API")


def fixed(before: dict[str, Any], after: dict[str, Any], part: str, why: str) -> None:
    """Refuse a change to ``part`` of the object (it is not the client's to change)."""
    if before.get(part) != after.get(part):
        raise Invalid(part, why)


def metadata_change(
    old: meta_pb2.ObjectMeta, new: meta_pb2.ObjectMeta
) -> rpc.MetadataChange | None:
    """The labels and annotations that differ; keys under ``sigma.io/`` the system set stay."""
    change = rpc.MetadataChange(overwrite=True)
    for part in ("labels", "annotations"):
        before, after = getattr(old, part), getattr(new, part)
        getattr(change, f"set_{part}").update(
            {k: v for k, v in after.items() if before.get(k) != v}
        )
        gone = [k for k in before if k not in after and not k.startswith("sigma.io/")]
        getattr(change, f"remove_{part}").extend(sorted(gone))
    empty = not (
        change.set_labels
        or change.remove_labels
        or change.set_annotations
        or change.remove_annotations
    )
    return None if empty else change

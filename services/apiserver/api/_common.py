"""What the five services share: namespace scoping, reads (Get/List/Watch), changes with a task.

Why shared here rather than per service: the rules "every RPC is scoped to one namespace",
"a List page is read at one revision" and "a change and its task land in one transaction" must
hold identically for Apps, BatchJobs, Pods, Nodes and Tasks; one implementation keeps them so.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import grpc
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from sigma.apiserver import metadata, validation
from sigma.apiserver.api._watch import Where, watch
from sigma.apiserver.settings import ApiServerSettings
from sigma.auth import READ, WRITE, Access
from sigma.clock import Clock, SystemClock
from sigma.errors import AlreadyExists, Conflict, PermissionDenied
from sigma.log import carry
from sigma.resources import TASK, Kind, Repository, Writes
from sigma.resources.records import Recorder
from sigma.rpc import Service
from sigma.store import Store
from sigma.v1 import event_pb2, meta_pb2, task_pb2

M = TypeVar("M", bound=Message)


class _Keep:
    """``apply``'s answer "the object already says so": nothing is written."""


KEEP = _Keep()
Apply = Callable[[Any], "task_pb2.Task | str | _Keep | None"]

CHANGE_ATTEMPTS = 8  # read-modify-write retries when the caller named no resource_version


@dataclass(slots=True)
class Api:
    """The state every servicer of one apiserver replica shares."""

    store: Store
    settings: ApiServerSettings = field(default_factory=ApiServerSettings)
    clock: Clock = field(default_factory=SystemClock)  # drives bookmark timers
    wall_ns: Callable[[], int] = time.time_ns  # stamps creation and deletion times
    limits: validation.Limits = field(init=False)
    recorder: Recorder = field(init=False)  # event records of what the API refused or did

    def __post_init__(self) -> None:
        self.limits = validation.Limits.from_settings(self.settings)
        wall = lambda: self.wall_ns() / 1e9  # noqa: E731 - read at each record
        self.recorder = Recorder(self.store, f"apiserver/{self.settings.identity}", wall=wall)

    def namespace(self, value: str) -> str:
        """The request's namespace, which must be a known team."""
        validation.namespace(value, self.settings.namespaces)
        return value

    def system(self, value: str) -> None:
        """Writes to cluster-scoped objects (nodes) are for the system team only."""
        self.namespace(value)
        if value != self.settings.system_namespace:
            raise PermissionDenied(
                f"namespace {value!r} may not write nodes; use {self.settings.system_namespace!r}"
            )

    def now(self) -> Timestamp:
        ts = Timestamp()
        ts.FromNanoseconds(self.wall_ns())
        return ts

    def stamp_new(self, obj: Message, namespace: str) -> None:
        """Server-owned metadata of a new object; whatever the client sent there is dropped."""
        meta = obj.meta  # type: ignore[attr-defined]
        meta.namespace = namespace
        meta.uid = str(uuid.uuid4())
        meta.resource_version = 0
        meta.generation = 1
        meta.creation_timestamp.CopyFrom(self.now())
        meta.ClearField("deletion_timestamp")
        if "status" in obj.DESCRIPTOR.fields_by_name:  # a rule set has none
            obj.ClearField("status")


_TARGET_LABELS = {
    task_pb2.TASK_TARGET_KIND_APP: "app",
    task_pb2.TASK_TARGET_KIND_BATCH_JOB: "batchjob",
}
TargetKind = int  # a task_pb2.TaskTargetKind value


def task_name(target_kind: TargetKind, target: Message, action: str) -> str:
    """``<kind>.<target>.<action>.<generation>.<uid[:8]>``, e.g. ``app.web.scale.3.1f0c9a2e``.

    Deterministic, so a repeated Delete or Cancel finds the task it wrote before; unique, because
    names never contain dots, the generation grows with every spec change, and the uid prefix
    tells a re-created target of the same name from its predecessor.
    """
    meta = target.meta  # type: ignore[attr-defined]
    label = _TARGET_LABELS[target_kind]
    return f"{label}.{meta.name}.{action}.{meta.generation}.{meta.uid[:8]}"


def new_task(
    api: Api,
    target: Message,
    target_kind: TargetKind,
    kind: int,  # a task_pb2.TaskKind value
    action: str,
) -> task_pb2.Task:
    """A PENDING task acting on ``target`` at its current generation."""
    meta = target.meta  # type: ignore[attr-defined]
    task = task_pb2.Task(
        meta=meta_pb2.ObjectMeta(
            name=task_name(target_kind, target, action),
            owner_references=[
                meta_pb2.OwnerReference(kind=target.DESCRIPTOR.name, name=meta.name, uid=meta.uid)
            ],
        ),
        spec=task_pb2.TaskSpec(
            kind=kind,
            target_kind=target_kind,
            target_name=meta.name,
            target_generation=meta.generation,
            target_uid=meta.uid,
        ),
    )
    api.stamp_new(task, meta.namespace)
    carry(task.meta)
    task.status.state = task_pb2.TASK_STATE_PENDING
    return task


def destroy(api: Api, target_kind: TargetKind) -> Apply:
    """The change of a Delete: mark the target deleted and write a DESTROY task, once."""

    def apply(obj: Any) -> task_pb2.Task | str:
        if obj.meta.HasField("deletion_timestamp"):
            return task_name(target_kind, obj, "destroy")
        obj.meta.deletion_timestamp.CopyFrom(api.now())
        return new_task(api, obj, target_kind, task_pb2.TASK_KIND_DESTROY, "destroy")

    return apply


async def change(
    api: Api,
    kind: Kind[M],
    namespace: str,
    name: str,
    resource_version: int,
    apply: Apply,
    *,
    dry_run: bool = False,
) -> tuple[M, task_pb2.Task | None]:
    """Read, ``apply``, and write the object with the task ``apply`` returns, in one transaction.

    ``apply`` changes the object in place and returns the task to write with it, None for no
    task, ``KEEP`` when there is nothing to write, or the name of an existing task that already
    carries the change out (a repeated Delete or Cancel): then nothing is written and that task
    is returned. With a resource_version the write is conditional on it (stale → Conflict,
    nothing written); without one a lost race is re-read and re-applied, so concurrent callers
    never overwrite each other. ``dry_run`` answers what would be written and writes nothing.
    """
    repo = Repository(api.store, kind)
    for _ in range(CHANGE_ATTEMPTS):
        obj = await repo.get(namespace, name)
        read_at = obj.meta.resource_version  # type: ignore[attr-defined]
        if resource_version and read_at != resource_version:
            raise Conflict(
                f"{kind.name} {namespace}/{name} is at version {read_at}, not {resource_version}"
            )
        task = apply(obj)
        if isinstance(task, _Keep):
            return obj, None
        if isinstance(task, str):
            return obj, await Repository(api.store, TASK).get(namespace, task)
        if dry_run:
            return obj, task
        writes = Writes().update(kind, obj)  # type: ignore[arg-type]
        if task is not None:
            writes.create(TASK, task)  # type: ignore[arg-type]
        try:
            await writes.commit(api.store)
        except Conflict:
            if resource_version:
                raise
            continue
        return obj, task
    raise Conflict(f"{kind.name} {namespace}/{name} kept changing; re-read and retry")


async def update_metadata(api: Api, kind: Kind[M], namespace: str, name: str, request: Any) -> M:
    """UpdateMetadata of every kind: labels and annotations in one conditional write, never the
    spec (``generation`` stays); a change the object already shows writes nothing."""
    validation.resource_version(request.resource_version)
    metadata.check(request.change)

    def apply(obj: Any) -> _Keep | None:
        return None if metadata.edit(obj.meta, request.change) else KEEP

    obj, _ = await change(
        api, kind, namespace, name, request.resource_version, apply, dry_run=request.dry_run
    )
    return obj


async def replace_status(
    api: Api,
    kind: Kind[M],
    namespace: str,
    name: str,
    resource_version: int,
    fill: Callable[[M], None],
) -> M:
    """Status writes from agents: always conditional on the version the agent read."""
    validation.resource_version(resource_version, required=True)

    def apply(obj: M) -> None:
        fill(obj)

    obj, _ = await change(api, kind, namespace, name, resource_version, apply)
    return obj


def service(name: str, servicer: Any, add: Callable[[Any, grpc.aio.Server], None]) -> Service:
    """The ``sigma.rpc.Service`` serving ``servicer`` through its generated ``add_*`` function,
    guarded by the servicer's ``access`` table."""

    def register(server: grpc.aio.Server) -> None:
        add(servicer, server)

    return Service(name, register, servicer.access)


class Reads(Generic[M]):
    """Get, List and Watch of one kind; a service subclasses it and the generated servicer.

    Hooks: ``scope`` maps a request to the store namespace it reads, ``where`` adds filters
    beyond labels, ``name_field`` names the request field holding the object name.
    """

    kind: ClassVar[Kind[Any]]
    list_response: ClassVar[type[Message]]
    name_field: ClassVar[str] = "name"
    # Who may call what (sigma.auth): reads in the request's namespace; a subclass adds its own.
    access: ClassVar[Access] = {"Get": READ, "List": READ, "Watch": READ}

    def __init__(self, api: Api) -> None:
        self.api = api
        self.repo: Repository[M] = Repository(api.store, self.kind, clock_ns=api.wall_ns)

    def scope(self, request: Any) -> str:
        return self.api.namespace(request.namespace)

    def list_scope(self, request: Any) -> str:
        """List and Watch: an empty namespace reads every namespace (the guard asked for the
        "*" grant, as an empty namespace names the cluster); ``scope_all`` checks the rest."""
        return self.scope(request) if request.namespace else self.scope_all(request)

    def scope_all(self, request: Any) -> str:
        return ""

    def where(self, request: Any) -> tuple[Where | None, str]:
        """A predicate for List and Watch, and a key naming it (binds page tokens)."""
        return None, ""

    def object_name(self, request: Any) -> str:
        value: str = getattr(request, self.name_field)
        validation.name(value, self.name_field)
        return value

    async def Get(self, request: Any, context: Any) -> M:
        namespace = self.scope(request)
        return await self.repo.get(namespace, self.object_name(request))

    async def List(self, request: Any, context: Any) -> Any:
        namespace = self.list_scope(request)
        validation.page_request(request)
        where, where_key = self.where(request)
        page = await self.repo.list(
            namespace,
            selector=dict(request.label_selector.match_labels),
            page_size=request.page_size,
            page_token=request.page_token,
            where=where,
            where_key=where_key,
        )
        return self.list_response(
            items=page.items, next_page_token=page.next_page_token, resource_version=page.revision
        )

    async def Watch(self, request: Any, context: Any) -> AsyncIterator[event_pb2.Event]:
        namespace = self.list_scope(request)
        validation.watch_request(request)
        where, _ = self.where(request)
        async for event in watch(
            self.api,
            self.repo,
            namespace,
            request.resource_version,
            dict(request.label_selector.match_labels),
            where,
        ):
            yield event


class Changes(Reads[M]):
    """Reads plus the change plumbing of the kinds that have tasks (Apps, BatchJobs): Create,
    Delete, UpdateMetadata, and ``changed`` that runs one ``change`` and wraps the result in
    the response.
    """

    target_kind: ClassVar[TargetKind]
    access: ClassVar[Access] = {
        **Reads.access,
        **dict.fromkeys(("Create", "Delete", "UpdateMetadata"), WRITE),
    }
    change_response: ClassVar[type[Message]]
    response_field: ClassVar[str]  # the response field holding the object ("app", "job")

    def validate(self, obj: M, namespace: str) -> None:
        """Raise ``Invalid`` for a bad object sent to Create."""
        raise NotImplementedError

    def initial(self, obj: M) -> None:
        """Set the first status of a new object (after the client's was cleared)."""

    async def Create(self, request: Any, context: Any) -> Any:
        """Stores the object and its PUBLISH task together; AlreadyExists if the name is taken."""
        namespace = self.api.namespace(request.namespace)
        sent = getattr(request, self.response_field)
        self.validate(sent, namespace)
        obj = type(sent)()
        obj.CopyFrom(sent)
        self.api.stamp_new(obj, namespace)
        self.initial(obj)
        task = new_task(self.api, obj, self.target_kind, task_pb2.TASK_KIND_PUBLISH, "publish")
        if request.dry_run:  # the one check the write would make: the name is free
            name = obj.meta.name  # type: ignore[attr-defined]
            if await self.repo.find(namespace, name) is not None:
                raise AlreadyExists(f"{self.kind.name} {namespace}/{name} already exists")
        else:
            writes = Writes().create(self.kind, obj).create(TASK, task)  # type: ignore[arg-type]
            await writes.commit(self.api.store)
        return self.change_response(**{self.response_field: obj}, task=task)

    async def Delete(self, request: Any, context: Any) -> Any:
        """Marks the object deleted and writes a DESTROY task; repeating it returns that task."""
        namespace = self.api.namespace(request.namespace)
        validation.name(request.name, "name")
        validation.resource_version(request.resource_version)
        apply = destroy(self.api, self.target_kind)
        return await self.changed(namespace, request, apply)

    async def UpdateMetadata(self, request: Any, context: Any) -> M:
        namespace = self.api.namespace(request.namespace)
        validation.name(request.name, "name")
        return await update_metadata(self.api, self.kind, namespace, request.name, request)

    async def changed(self, namespace: str, request: Any, apply: Apply) -> Any:
        """One ``change`` of the object ``request`` names, at its resource_version and dry_run."""
        obj, task = await change(
            self.api,
            self.kind,
            namespace,
            request.name,
            request.resource_version,
            apply,
            dry_run=getattr(request, "dry_run", False),  # Cancel has none
        )
        return self.change_response(**{self.response_field: obj}, task=task)

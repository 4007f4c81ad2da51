"""The informer on every store backend: list + watch, resume, and relist after compaction."""

import asyncio
import uuid

import pytest

from sigma.store import Store, create
from sigma.store.codec import encode
from sigma.store.informer import Handler, Informer
from sigma.testing.wait import eventually
from sigma.v1 import meta_pb2, pod_pb2


def _pod(name: str, node: str = "") -> pod_pb2.Pod:
    pod = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace="team-a", name=name))
    pod.spec.node_name = node
    return pod


class Recorder:
    """Applies the handler calls to a dict, so the test can compare it with the store."""

    def __init__(self) -> None:
        self.view: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []

    def handler(self) -> Handler[pod_pb2.Pod]:
        return Handler(on_add=self.add, on_update=self.update, on_delete=self.delete)

    def add(self, key: str, pod: pod_pb2.Pod) -> None:
        assert key not in self.view, f"add for a key already seen: {key}"
        self.view[key] = pod.spec.node_name
        self.calls.append(("add", key))

    def update(self, key: str, old: pod_pb2.Pod, new: pod_pb2.Pod) -> None:
        assert self.view[key] == old.spec.node_name
        assert new.meta.resource_version > old.meta.resource_version
        self.view[key] = new.spec.node_name
        self.calls.append(("update", key))

    def delete(self, key: str, old: pod_pb2.Pod) -> None:
        assert self.view.pop(key) == old.spec.node_name
        self.calls.append(("delete", key))


async def _store_view(store: Store, prefix: str) -> dict[str, str]:
    listing = await store.list(prefix)
    return {kv.key: pod_pb2.Pod.FromString(kv.value).spec.node_name for kv in listing.items}


@pytest.fixture
def prefix() -> str:
    return f"/informer-test/{uuid.uuid4().hex[:8]}/pods/"


async def test_lists_then_watches_into_a_typed_cache(store: Store, prefix: str) -> None:
    for i in range(3):
        await create(store, f"{prefix}p{i}", encode(_pod(f"p{i}")))
    informer = Informer(store, prefix, pod_pb2.Pod, page_size=2)  # pages through the listing
    rec = Recorder()
    await informer.add_handler(rec.handler())
    task = asyncio.create_task(informer.run())
    try:
        await informer.wait_synced()
        assert sorted(k for k, _ in informer.items()) == [f"{prefix}p{i}" for i in range(3)]
        got = informer.get(f"{prefix}p0")
        assert (
            got is not None
            and got.meta.resource_version == (await store.get(f"{prefix}p0")).mod_revision
        )

        await store.put(f"{prefix}p0", encode(_pod("p0", node="n1")))
        await store.delete(f"{prefix}p1")
        await create(store, f"{prefix}p3", encode(_pod("p3")))
        revision = await store.revision()
        await eventually(lambda: informer.revision >= revision)
        assert rec.view == await _store_view(store, prefix)
        assert rec.calls[-3:] == [
            ("update", f"{prefix}p0"),
            ("delete", f"{prefix}p1"),
            ("add", f"{prefix}p3"),
        ]
    finally:
        task.cancel()


async def test_resumes_from_its_last_revision_without_gap_or_duplicate(
    store: Store, prefix: str
) -> None:
    informer = Informer(store, prefix, pod_pb2.Pod)
    rec = Recorder()
    await informer.add_handler(rec.handler())
    task = asyncio.create_task(informer.run())
    await create(store, f"{prefix}a", encode(_pod("a")))
    await eventually(lambda: len(informer) == 1)
    task.cancel()

    await store.put(f"{prefix}a", encode(_pod("a", node="n2")))
    await create(store, f"{prefix}b", encode(_pod("b")))
    task = asyncio.create_task(informer.run())
    try:
        revision = await store.revision()
        await eventually(lambda: informer.revision >= revision)
        assert rec.calls == [("add", f"{prefix}a"), ("update", f"{prefix}a"), ("add", f"{prefix}b")]
        assert informer.relists == 0
    finally:
        task.cancel()


async def test_relists_after_compaction_and_ends_with_the_right_cache(
    store: Store, prefix: str
) -> None:
    for name in ("keep", "change", "drop"):
        await create(store, f"{prefix}{name}", encode(_pod(name)))
    informer = Informer(store, prefix, pod_pb2.Pod)
    rec = Recorder()
    await informer.add_handler(rec.handler())
    task = asyncio.create_task(informer.run())
    await informer.wait_synced()
    await eventually(lambda: len(rec.view) == 3)
    task.cancel()

    # While the informer is away: changes, then the history it would resume from is compacted.
    await store.put(f"{prefix}change", encode(_pod("change", node="n9")))
    await store.delete(f"{prefix}drop")
    await create(store, f"{prefix}new", encode(_pod("new")))
    await store.compact(await store.revision())

    task = asyncio.create_task(informer.run())
    try:
        revision = await store.revision()
        await eventually(lambda: informer.relists == 1 and informer.revision >= revision)
        expected = await _store_view(store, prefix)
        assert rec.view == expected
        assert {k: p.spec.node_name for k, p in informer.items()} == expected
        assert sorted(rec.calls[3:]) == sorted(
            [("update", f"{prefix}change"), ("delete", f"{prefix}drop"), ("add", f"{prefix}new")]
        )
    finally:
        task.cancel()


async def test_index_follows_changes(store: Store, prefix: str) -> None:
    informer = Informer(store, prefix, pod_pb2.Pod)
    informer.add_index("node", lambda p: [p.spec.node_name] if p.spec.node_name else [])
    task = asyncio.create_task(informer.run())
    try:
        await create(store, f"{prefix}x", encode(_pod("x", node="n1")))
        await create(store, f"{prefix}y", encode(_pod("y", node="n1")))
        await eventually(lambda: len(informer.by_index("node", "n1")) == 2)
        await store.put(f"{prefix}x", encode(_pod("x", node="n2")))
        await eventually(lambda: len(informer.by_index("node", "n2")) == 1)
        assert [p.meta.name for p in informer.by_index("node", "n1")] == ["y"]
    finally:
        task.cancel()

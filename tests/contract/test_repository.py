"""Typed CRUD over every store backend: CAS, paging with selectors, wire events."""

import asyncio
import uuid

import pytest

from sigma.errors import AlreadyExists, Conflict, Invalid, NotFound
from sigma.resources import APP, NODE, Repository
from sigma.store import Store
from sigma.v1 import app_pb2, event_pb2, meta_pb2, node_pb2


@pytest.fixture
def namespace() -> str:
    return f"team-{uuid.uuid4().hex[:8]}"


def _app(namespace: str, name: str, **labels: str) -> app_pb2.App:
    app = app_pb2.App(meta=meta_pb2.ObjectMeta(namespace=namespace, name=name, labels=labels))
    app.spec.replicas = 1
    return app


async def test_create_assigns_identity_and_get_reads_it_back(store: Store, namespace: str) -> None:
    repo = Repository(store, APP)
    created = await repo.create(_app(namespace, "web"))
    assert created.meta.uid and created.meta.generation == 1
    assert created.meta.creation_timestamp.seconds > 0
    got = await repo.get(namespace, "web")
    assert got == created
    with pytest.raises(AlreadyExists):
        await repo.create(_app(namespace, "web"))
    with pytest.raises(NotFound):
        await repo.get(namespace, "nope")


async def test_update_with_a_stale_version_is_a_conflict_and_writes_nothing(
    store: Store, namespace: str
) -> None:
    repo = Repository(store, APP)
    first = await repo.create(_app(namespace, "web"))
    stale = app_pb2.App()
    stale.CopyFrom(first)
    first.spec.replicas = 2
    await repo.update(first)
    stale.spec.replicas = 7
    with pytest.raises(Conflict):
        await repo.update(stale)
    assert (await repo.get(namespace, "web")).spec.replicas == 2


async def test_mutate_retries_until_its_change_lands(store: Store, namespace: str) -> None:
    repo = Repository(store, APP)
    await repo.create(_app(namespace, "web"))

    def bump(app: app_pb2.App) -> None:
        app.spec.replicas += 1

    await asyncio.gather(*(repo.mutate(namespace, "web", bump) for _ in range(8)))
    assert (await repo.get(namespace, "web")).spec.replicas == 9


async def test_pages_through_a_selection_at_one_revision(store: Store, namespace: str) -> None:
    repo = Repository(store, APP)
    for i in range(7):
        await repo.create(_app(namespace, f"a{i}", tier="web" if i % 2 == 0 else "db"))
    await repo.create(_app(f"{namespace}-other", "a0", tier="web"))  # another namespace

    seen, token, revisions = [], "", set()
    while True:
        page = await repo.list(namespace, selector={"tier": "web"}, page_size=2, page_token=token)
        seen += [a.meta.name for a in page.items]
        revisions.add(page.revision)
        token = page.next_page_token
        if not token:
            break
        await repo.create(_app(namespace, f"late{len(seen)}", tier="web"))  # not in this listing
    assert seen == ["a0", "a2", "a4", "a6"]
    assert len(revisions) == 1


async def test_a_page_token_is_bound_to_its_query(store: Store, namespace: str) -> None:
    repo = Repository(store, APP)
    for i in range(3):
        await repo.create(_app(namespace, f"a{i}"))
    page = await repo.list(namespace, page_size=1)
    with pytest.raises(Invalid) as info:
        await repo.list(namespace, selector={"x": "y"}, page_token=page.next_page_token)
    assert info.value.field == "page_token"
    with pytest.raises(Invalid):
        await repo.list(namespace, page_token="garbage")


async def test_watch_yields_wire_events_with_the_last_state_on_delete(
    store: Store, namespace: str
) -> None:
    repo = Repository(store, APP)
    start = await store.revision()
    created = await repo.create(_app(namespace, "web", tier="web"))
    created.spec.replicas = 3
    await repo.update(created)
    await repo.delete(namespace, "web")
    events = []
    async for event in repo.watch(namespace, from_revision=start):
        events.append(event)
        if len(events) == 3:
            break
    types = [e.type for e in events]
    assert types == [
        event_pb2.EVENT_TYPE_ADDED,
        event_pb2.EVENT_TYPE_MODIFIED,
        event_pb2.EVENT_TYPE_DELETED,
    ]
    assert all(e.key == f"{namespace}/web" and e.kind == "App" for e in events)
    assert events[2].app.spec.replicas == 3  # the state before deletion
    assert events[1].prev_revision == events[0].revision
    assert [e.revision for e in events] == sorted({e.revision for e in events})


async def test_cluster_scoped_kinds_key_by_name(store: Store) -> None:
    repo = Repository(store, NODE)
    name = f"n-{uuid.uuid4().hex[:8]}"
    await repo.create(node_pb2.Node(meta=meta_pb2.ObjectMeta(name=name)))
    assert (await store.get(f"/sigma/v1/nodes/{name}")) is not None
    assert (await repo.get("", name)).meta.name == name

"""The door over HTTP on a free port, in this process, over a store of its own: list paging,
watch with set-based selectors, bookmarks, and 410 Expired on a compacted version."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sigma.apiserver.api import Api
from sigma.apiserver.kube.calls import Backend
from sigma.apiserver.kube.door import Door, KubeServer
from sigma.apiserver.settings import ApiServerSettings
from sigma.auth import Security
from sigma.store.memory import MemoryStore

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def deployment(name: str, app: str) -> dict[str, Any]:
    labels = {"app": app}
    container = {"name": "main", "command": ["sleep", "100"]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


@pytest.fixture
async def door() -> AsyncIterator[tuple[str, MemoryStore, aiohttp.ClientSession]]:
    store = MemoryStore()
    settings = ApiServerSettings(namespaces=("default",), watch_bookmark_interval=0.1)
    server = KubeServer(
        Door(Backend(Api(store, settings), Security().guard())), "127.0.0.1", 0, None
    )
    await server.start()
    async with aiohttp.ClientSession() as session:
        yield f"http://{server.address}", store, session
    await server.stop()
    await store.close()


async def create(session: aiohttp.ClientSession, base: str, name: str, app: str) -> None:
    async with session.post(base + DEPLOYMENTS, json=deployment(name, app)) as answer:
        assert answer.status == 201, await answer.text()


async def events(answer: aiohttp.ClientResponse, count: int) -> list[dict[str, Any]]:
    out = []
    while len(out) < count:
        out.append(json.loads(await answer.content.readline()))
    return out


async def test_list_pages_with_continue(door: tuple[str, MemoryStore, Any]) -> None:
    base, _, session = door
    for i in range(5):
        await create(session, base, f"d{i}", "x")
    names, token, pages = [], "", 0
    while True:
        async with session.get(base + DEPLOYMENTS, params={"limit": "2", "continue": token}) as a:
            body = await a.json()
        assert body["kind"] == "DeploymentList" and len(body["items"]) <= 2
        names += [item["metadata"]["name"] for item in body["items"]]
        pages += 1
        token = body["metadata"].get("continue", "")
        if not token:
            break
    assert sorted(names) == [f"d{i}" for i in range(5)] and pages == 3


async def test_watch_selects_and_sends_bookmarks(door: tuple[str, MemoryStore, Any]) -> None:
    base, _, session = door
    params = {"watch": "1", "labelSelector": "app in (x)", "allowWatchBookmarks": "true"}
    async with session.get(base + DEPLOYMENTS, params=params) as answer:
        await create(session, base, "other", "y")
        await create(session, base, "chosen", "x")
        seen = await events(answer, 2)
        types = {e["type"] for e in seen}
        while "ADDED" not in types or "BOOKMARK" not in types:
            seen += await events(answer, 1)
            types = {e["type"] for e in seen}
    added = [e["object"]["metadata"]["name"] for e in seen if e["type"] == "ADDED"]
    assert added == ["chosen"]
    bookmark = next(e for e in seen if e["type"] == "BOOKMARK")
    assert int(bookmark["object"]["metadata"]["resourceVersion"]) > 0


async def test_a_compacted_version_is_410_expired(door: tuple[str, MemoryStore, Any]) -> None:
    base, store, session = door
    await create(session, base, "a", "x")
    await create(session, base, "b", "x")
    await store.compact(await store.revision())
    params = {"watch": "1", "resourceVersion": "1"}
    async with session.get(base + DEPLOYMENTS, params=params) as answer:
        (error,) = await events(answer, 1)
    assert error["type"] == "ERROR"
    assert (error["object"]["code"], error["object"]["reason"]) == (410, "Expired")


async def test_health_discovery_and_unknown_paths(door: tuple[str, MemoryStore, Any]) -> None:
    base, _, session = door
    async with session.get(base + "/healthz") as answer:
        assert (answer.status, await answer.text()) == (200, "ok")
    aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    async with session.get(base + "/apis", headers={"Accept": aggregated}) as answer:
        assert answer.headers["Content-Type"] == aggregated
        assert "apps" in [g["metadata"]["name"] for g in (await answer.json())["items"]]
    async with session.get(base + "/apis/apps/v1") as answer:
        kinds = [r["kind"] for r in (await answer.json())["resources"]]
        assert "Deployment" in kinds and "Scale" in kinds
    for path in ("/nowhere", "/apis/apps/v2", "/api/v1/namespaces/default/services"):
        async with session.get(base + path) as answer:
            status = await answer.json(content_type=None)
            assert (answer.status, status["kind"], status["code"]) == (404, "Status", 404), path
    async with session.post(base + "/api/v1/namespaces/default/pods", json={}) as answer:
        assert (answer.status, (await answer.json())["reason"]) == (405, "MethodNotAllowed")

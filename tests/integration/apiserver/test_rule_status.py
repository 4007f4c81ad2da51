"""The rule-set status controller over a real store: a set made under running pods that break
it reports how many are over each rule, writes only when the counts change, and reports 0 once
the pods are gone. The scheduler's rules are not rebuilt by a status write."""

from __future__ import annotations

import time

from sigma.apiserver.controllers import rulestatus
from sigma.resources.kinds import INTERFERENCE_RULE_SET, POD
from sigma.store.codec import decode
from sigma.store.memory import MemoryStore
from sigma.v1 import interference_pb2
from tests.integration.apiserver._live import placed_pod, put_rule, web_app
from tests.integration.scheduler._seed import MiB, make_node, put_app, put_node


async def read_set(store: MemoryStore, name: str) -> interference_pb2.InterferenceRuleSet:
    kv = await store.get(INTERFERENCE_RULE_SET.key("", name))
    return decode(interference_pb2.InterferenceRuleSet, kv)


async def test_a_set_made_under_running_pods_counts_those_over_it() -> None:
    store = MemoryStore()
    for name in ("n1", "n2"):
        await put_node(store, make_node(name, 8000, 8192 * MiB))
    app = web_app(replicas=4, min_available=1)
    await put_app(store, app)
    for name, node in (("web-0", "n1"), ("web-1", "n1"), ("web-2", "n1"), ("web-3", "n2")):
        await placed_pod(store, app, name, node)
    await put_rule(store, "one-web", "t/web", "t/web", 0)
    await put_rule(store, "loose", "t/web", "t/web", 5)

    assert await rulestatus.reconcile(store, time.time()) == 2  # both sets, counted once
    tight, loose = await read_set(store, "one-web"), await read_set(store, "loose")
    assert (tight.status.observed_generation, tight.status.pods_over) == (1, 2)
    (broken,) = tight.status.broken
    assert (broken.app_a, broken.app_b, broken.k, broken.pods_over, broken.nodes) == (
        "t/web",
        "t/web",
        0,
        2,
        1,
    )
    assert loose.status.pods_over == 0 and not loose.status.broken
    assert loose.status.observed_generation == 1

    assert await rulestatus.reconcile(store, time.time()) == 0  # nothing changed, nothing written
    for name in ("web-1", "web-2"):
        await store.delete(POD.key("t", name))
    assert await rulestatus.reconcile(store, time.time()) == 1
    assert (await read_set(store, "one-web")).status.pods_over == 0
    await store.close()

"""The colocator's writes to the store, each through the path its owner uses.

- Batch capacity: a compare-and-swap on the Node touching only ``status.batch_capacity`` and its
  time, so the slave's status and the operator's spec survive a race.
- Evictions: the apiserver's own Pods.Delete, called in-process (a placed pod is marked with a
  deletion time; its slave stops it). One code path for every deletion keeps grace periods and
  idempotence identical whoever asks.
- Time-sharing: the apiserver's ``change`` helper writes ``status.time_sharing_replicas`` and a
  SCALE task in one transaction, as Apps.Scale does. Not the Scale RPC itself: that moves
  ``spec.replicas`` (the peak size, the user's intent), while time-sharing is a temporary ask
  below it that the task planner reads through ``target_replicas``; going through the store
  also spares the colocator a dependency on a reachable apiserver.
"""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.apiserver.api._common import Api, change, new_task
from sigma.apiserver.api.pods import PodsServicer
from sigma.apiserver.settings import ApiServerSettings
from sigma.colocator.budget import Res
from sigma.resources import APP, NODE, Repository
from sigma.store import Store
from sigma.v1 import apiserver_pb2, app_pb2, meta_pb2, node_pb2, task_pb2


def resource_list(res: Res) -> meta_pb2.ResourceList:
    return meta_pb2.ResourceList(cpu_millis=res.cpu, memory_bytes=res.mem)


def stamp(wall: float) -> Timestamp:
    ts = Timestamp()
    ts.FromNanoseconds(int(wall * 1e9))
    return ts


class StoreWrites:
    """The three writes, against one store, stamped with the injected wall clock."""

    def __init__(self, store: Store, wall: Callable[[], float]) -> None:
        self.store = store
        self.wall = wall
        self.nodes = Repository(store, NODE)

    def _api(self, namespace: str) -> Api:
        settings = ApiServerSettings(namespaces=(namespace,), identity="colocator")
        return Api(self.store, settings, wall_ns=lambda: int(self.wall() * 1e9))

    async def batch_capacity(self, node: str, capacity: Res) -> None:
        """Write the node's batch capacity and its time (raises NotFound for an unknown node)."""

        def apply(obj: node_pb2.Node) -> None:
            obj.status.batch_capacity.CopyFrom(resource_list(capacity))
            obj.status.batch_capacity_updated_at.CopyFrom(stamp(self.wall()))

        await self.nodes.mutate("", node, apply)

    async def evict(self, pod_key: str) -> None:
        """Mark the pod deleted, exactly as Pods.Delete does for a client."""
        namespace, _, name = pod_key.partition("/")
        pods = PodsServicer(self._api(namespace))
        await pods.Delete(apiserver_pb2.DeletePodRequest(namespace=namespace, name=name), None)

    async def time_sharing(self, namespace: str, name: str, replicas: int) -> app_pb2.App:
        """Set the app's time-sharing ask and write the SCALE task that carries it out."""
        api = self._api(namespace)
        action = f"timeshare{replicas}at{int(self.wall())}"

        def apply(app: app_pb2.App) -> task_pb2.Task | None:
            if app.status.time_sharing_replicas == replicas:
                return None
            app.status.time_sharing_replicas = replicas
            return new_task(
                api, app, task_pb2.TASK_TARGET_KIND_APP, task_pb2.TASK_KIND_SCALE, action
            )

        app, _ = await change(api, APP, namespace, name, 0, apply)
        return app

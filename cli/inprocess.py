"""The apiserver called in this process, for compositions of tiers that share one store.

``sigma.apiclient.ApiCalls`` without a network: each call runs the apiserver's own servicer
method (validation, budget, records, the same writes) directly. The trace replay needs it (its
tiers run on a virtual-time loop, where real sockets would not), and so do tests that run the
colocator beside an apiserver on one embedded store. A deployment always calls over gRPC.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sigma.apiserver.api._common import Api
from sigma.apiserver.api.apps import AppsServicer
from sigma.apiserver.api.pods import PodsServicer
from sigma.apiserver.settings import ApiServerSettings
from sigma.errors import NotFound
from sigma.store import Store
from sigma.v1 import apiserver_pb2 as api


class InProcessApi:
    def __init__(
        self, store: Store, *, wall: Callable[[], float] = time.time, identity: str = "inprocess"
    ) -> None:
        self.store = store
        self.wall = wall
        self.identity = identity

    def _api(self, namespace: str) -> Api:
        settings = ApiServerSettings(namespaces=(namespace,), identity=self.identity)
        return Api(self.store, settings, wall_ns=lambda: int(self.wall() * 1e9))

    async def evict(self, namespace: str, name: str, reason: str) -> bool:
        request = api.EvictPodRequest(namespace=namespace, name=name, reason=reason)
        try:
            await PodsServicer(self._api(namespace)).Evict(request, None)
        except NotFound:
            return False
        return True

    async def time_share(self, namespace: str, name: str, replicas: int, reason: str) -> None:
        request = api.TimeShareAppRequest(
            namespace=namespace, name=name, replicas=replicas, reason=reason
        )
        await AppsServicer(self._api(namespace)).TimeShare(request, None)

    async def close(self) -> None:
        return None

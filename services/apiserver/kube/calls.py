"""How a Kubernetes request reaches the apiserver's own services: as the caller, through the
same servicers, rules and validation the gRPC door uses.

``Backend`` holds one servicer of each resource over the replica's shared ``Api`` (the same
store, settings and recorder as the gRPC services); ``Call`` is one HTTP request's caller, with
its bearer token. Every call is admitted by the tier's ``Guard`` with the method's rule from
the servicer's ``access`` table, exactly as the gRPC edge admits it, so a team's token reaches
its namespace through either door and no other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sigma import auth
from sigma.apiserver.api._common import Api
from sigma.apiserver.api.apps import AppsServicer
from sigma.apiserver.api.batchjobs import BatchJobsServicer
from sigma.apiserver.api.events import EventsServicer
from sigma.apiserver.api.interference import InterferenceRuleSetsServicer
from sigma.apiserver.api.nodes import NodesServicer
from sigma.apiserver.api.pods import PodsServicer
from sigma.apiserver.api.tasks import TasksServicer
from sigma.errors import SigmaError


class Backend:
    """The servicers the Kubernetes door calls, over one ``Api``."""

    def __init__(self, api: Api, guard: auth.Guard) -> None:
        self.api = api
        self.guard = guard
        self.apps = AppsServicer(api)
        self.batchjobs = BatchJobsServicer(api)
        self.pods = PodsServicer(api)
        self.nodes = NodesServicer(api)
        self.tasks = TasksServicer(api)
        self.events = EventsServicer(api)
        self.rulesets = InterferenceRuleSetsServicer(api)

    @property
    def namespaces(self) -> tuple[str, ...]:
        return self.api.settings.namespaces

    @property
    def system(self) -> str:
        return self.api.settings.system_namespace


_SERVICES = {
    AppsServicer: "Apps",
    BatchJobsServicer: "BatchJobs",
    PodsServicer: "Pods",
    NodesServicer: "Nodes",
    TasksServicer: "Tasks",
    EventsServicer: "Events",
    InterferenceRuleSetsServicer: "InterferenceRuleSets",
}


@dataclass(slots=True)
class Call:
    """One request's caller: admitted anew for every servicer method it calls."""

    backend: Backend
    token: str | None

    def admit(self, servicer: Any, method: str, request: Any) -> auth.Principal:
        name = f"/sigma.v1.{_SERVICES[type(servicer)]}/{method}"
        principal = self.backend.guard.admit(servicer.access.get(method), name, request, self.token)
        auth.current.set(principal)
        return principal

    async def unary(self, servicer: Any, method: str, request: Any) -> Any:
        self.admit(servicer, method, request)
        return await getattr(servicer, method)(request, None)

    async def stream(self, servicer: Any, method: str, request: Any) -> AsyncIterator[Any]:
        self.admit(servicer, method, request)
        async for item in getattr(servicer, method)(request, None):
            yield item

    def team(self, verb: auth.Verb) -> str:
        """The namespace a cluster-scoped (node) call is made in: the system team when the
        caller may act there, else the first team where it may (the Nodes service reads nodes
        for any known team and writes them for the system team only)."""
        backend = self.backend
        if self.backend.guard.open:
            return backend.system
        try:
            principal = backend.guard.authenticator.authenticate(self.token)  # type: ignore[union-attr]
        except SigmaError:  # no or an unknown token: the call itself is refused when admitted
            return backend.system
        for namespace in (backend.system, *backend.namespaces):
            if principal.allows(verb, namespace):
                return namespace
        return backend.system

"""sigma.v1.InterferenceRuleSets: the App interference rules ``<A, B, k>`` the scheduler enforces.

Rule sets are cluster-scoped, like nodes: the request's namespace names the calling team, any
known team may read them, and writes need the system namespace, because a rule limits every
team's Apps. There is no task: a rule set is the whole of the desired state, and the
scheduler's informer turns each change into its rule index at once.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver import validation
from sigma.apiserver.api._cluster import ClusterReads
from sigma.apiserver.api._common import KEEP, Api, change, update_metadata
from sigma.apiserver.api._common import service as common_service
from sigma.apiserver.metadata import SYSTEM_PREFIX
from sigma.auth import WRITE
from sigma.errors import AlreadyExists
from sigma.resources import INTERFERENCE_RULE_SET
from sigma.rpc import Service
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, interference_pb2

RuleSet = interference_pb2.InterferenceRuleSet


class InterferenceRuleSetsServicer(
    ClusterReads[RuleSet], apiserver_pb2_grpc.InterferenceRuleSetsServicer
):
    kind = INTERFERENCE_RULE_SET
    list_response = apiserver_pb2.ListInterferenceRuleSetsResponse
    access = {
        **ClusterReads.access,
        **dict.fromkeys(("Create", "Update", "Delete", "UpdateMetadata"), WRITE),
    }

    def object_name(self, request: Any) -> str:
        validation.subdomain(request.name, "name")
        return str(request.name)

    def _checked(self, namespace: str, sent: RuleSet) -> None:
        self.api.system(namespace)
        validation.interference_rule_set(sent, self.api.settings.namespaces)

    async def Create(
        self, request: apiserver_pb2.CreateInterferenceRuleSetRequest, context: Any
    ) -> RuleSet:
        """Stores a new set; AlreadyExists if the name is taken."""
        self._checked(request.namespace, request.rule_set)
        obj = RuleSet()
        obj.CopyFrom(request.rule_set)
        obj.ClearField("status")  # the status controller's alone
        self.api.stamp_new(obj, "")
        if request.dry_run:
            if await self.repo.find("", obj.meta.name) is not None:
                raise AlreadyExists(f"InterferenceRuleSet {obj.meta.name} already exists")
            return obj
        return await self.repo.create(obj)

    async def Update(
        self, request: apiserver_pb2.UpdateInterferenceRuleSetRequest, context: Any
    ) -> RuleSet:
        """Replaces spec, labels and annotations; the system's keys stay as stored."""
        sent = request.rule_set
        self._checked(request.namespace, sent)
        validation.resource_version(request.resource_version)

        def apply(obj: RuleSet) -> Any:
            before = RuleSet()
            before.CopyFrom(obj)
            if obj.spec != sent.spec:
                obj.spec.CopyFrom(sent.spec)
                obj.meta.generation += 1
            for part in ("labels", "annotations"):
                held, wanted = getattr(obj.meta, part), getattr(sent.meta, part)
                kept = {k: v for k, v in held.items() if k.startswith(SYSTEM_PREFIX)}
                mine = {k: v for k, v in wanted.items() if not k.startswith(SYSTEM_PREFIX)}
                held.clear()
                held.update({**mine, **kept})
            return KEEP if obj == before else None

        obj, _ = await change(
            self.api,
            INTERFERENCE_RULE_SET,
            "",
            sent.meta.name,
            request.resource_version,
            apply,
            dry_run=request.dry_run,
        )
        return obj

    async def Delete(
        self, request: apiserver_pb2.DeleteInterferenceRuleSetRequest, context: Any
    ) -> RuleSet:
        """Removes the set (conditional on resource_version when given)."""
        self.api.system(request.namespace)
        name = self.object_name(request)
        return await self.remove(name, request.resource_version, request.dry_run)

    async def UpdateMetadata(
        self, request: apiserver_pb2.UpdateInterferenceRuleSetMetadataRequest, context: Any
    ) -> RuleSet:
        """Sets and removes labels and annotations, as for every other kind."""
        self.api.system(request.namespace)
        name = self.object_name(request)
        return await update_metadata(self.api, INTERFERENCE_RULE_SET, "", name, request)


def service(api: Api) -> Service:
    return common_service(
        "sigma.v1.InterferenceRuleSets",
        InterferenceRuleSetsServicer(api),
        apiserver_pb2_grpc.add_InterferenceRuleSetsServicer_to_server,
    )

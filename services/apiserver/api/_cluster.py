"""Reads and deletes of a cluster-scoped kind: Nodes and InterferenceRuleSets live outside
every namespace, yet each call still names a known team, so access stays scoped per caller."""

from __future__ import annotations

from typing import Any

from sigma.apiserver import validation
from sigma.apiserver.api._common import M, Reads
from sigma.errors import Conflict

__all__ = ["ClusterReads"]


class ClusterReads(Reads[M]):
    """Reads of a cluster-scoped kind (Nodes, InterferenceRuleSets): the request's namespace
    names the calling team, which must be known; the objects live outside every namespace."""

    def scope(self, request: Any) -> str:
        self.api.namespace(request.namespace)
        return ""

    async def remove(self, name: str, resource_version: int, dry_run: bool) -> M:
        """Delete the object now (conditional on ``resource_version`` when given); a dry run
        checks the same precondition and writes nothing."""
        validation.resource_version(resource_version)
        obj = await self.repo.get("", name)
        version = resource_version or obj.meta.resource_version  # type: ignore[attr-defined]
        if dry_run:
            if version != obj.meta.resource_version:  # type: ignore[attr-defined]
                raise Conflict(f"{self.kind.name} {name} is not at version {version}")
            return obj
        await self.repo.delete("", name, resource_version=version)
        return obj

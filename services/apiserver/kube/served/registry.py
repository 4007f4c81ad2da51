"""Every resource the Kubernetes door serves, found by group, version and plural name."""

from __future__ import annotations

from sigma.apiserver.kube.served.apps import Deployments
from sigma.apiserver.kube.served.base import Served
from sigma.apiserver.kube.served.batch import Jobs
from sigma.apiserver.kube.served.core import Events, Namespaces, Nodes, Pods
from sigma.apiserver.kube.served.sigmaio import (
    SigmaApps,
    SigmaBatchJobs,
    SigmaInterferenceRuleSets,
    SigmaNodes,
    SigmaTasks,
)

SERVED: tuple[Served, ...] = (
    Namespaces(),
    Nodes(),
    Pods(),
    Events(),
    Deployments(),
    Jobs(),
    SigmaApps(),
    SigmaBatchJobs(),
    SigmaNodes(),
    SigmaTasks(),
    SigmaInterferenceRuleSets(),
)
BY_PATH: dict[tuple[str, str, str], Served] = {
    (s.names.group, s.names.version, s.names.plural): s for s in SERVED
}
# Groups that serve no resource of their own but must be discoverable: kubectl drain looks
# for ``policy/v1`` (the Eviction subresource of pods) and scale for ``autoscaling/v1``.
EMPTY_GROUPS = ("autoscaling", "policy")


def groups() -> list[str]:
    """The named groups, in the order discovery lists them."""
    seen: list[str] = []
    for s in SERVED:
        if s.names.group and s.names.group not in seen:
            seen.append(s.names.group)
    return seen + [g for g in EMPTY_GROUPS if g not in seen]


def of_group(group: str, version: str) -> list[Served]:
    return [s for s in SERVED if s.names.group == group and s.names.version == version]

"""The pending arbiter's view of daily CPU curves (``sigma.resources.curves``).

The scheduler places a pod that carries a curve by that curve: it fits a node when the node's
online CPU plus the pod's stays within allocatable at every slot of the day, online pods
without a curve counting by their request at every slot. Batch is not in that sum, so
evicting batch never makes a curve pod's CPU fit: the arbiter may evict for such a pod only
on nodes its curve already fits, and only for its memory.

A node's summed curve is worked out when a curve pod asks, and kept until one of the node's
online pods changes (``pod_changed``) or an App's pods' load does (``clear``): most ticks
have no curve pod pending and pay nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from sigma.colocator.wire import requests_of
from sigma.resources.curves import SLOTS, AppLoads, fits_every_slot, pod_curve
from sigma.resources.pods import TERMINAL, qos_of
from sigma.resources.qos import BE
from sigma.v1 import app_pb2, pod_pb2


class NodeCurves:
    """Online CPU per slot of each node, as the scheduler's TimeAwareFit counts it."""

    def __init__(
        self,
        app_of: Callable[[str], app_pb2.App | None],
        pods_on: Callable[[str], Iterable[pod_pb2.Pod]],
    ) -> None:
        self.loads = AppLoads(app_of)
        self.pods_on = pods_on
        self._nodes: dict[str, np.ndarray] = {}

    def of_pod(self, pod: pod_pb2.Pod) -> np.ndarray | None:
        """The pod's daily CPU curve; None when it is placed by its request alone."""
        return pod_curve(self.loads.of_pod(pod)[1], qos_of(pod), requests_of(pod).cpu)

    def of_node(self, name: str) -> np.ndarray:
        used = self._nodes.get(name)
        if used is None:
            used = np.zeros(SLOTS)
            for pod in self.pods_on(name):
                if qos_of(pod) != BE and pod.status.phase not in TERMINAL:
                    curve = self.of_pod(pod)
                    used += curve if curve is not None else requests_of(pod).cpu
            self._nodes[name] = used
        return used

    def fits(self, names: list[str], cpu: np.ndarray, curve: np.ndarray) -> np.ndarray:
        """Which of the nodes ``names`` (allocatable CPU ``cpu``) the curve fits every slot."""
        if not names:
            return np.zeros(0, dtype=np.bool_)
        used = np.stack([self.of_node(name) for name in names])
        return fits_every_slot(used.max(axis=1), used, cpu, curve, float(curve.max()))

    def pod_changed(self, pod: pod_pb2.Pod) -> None:
        """A pod came, changed or went: if online, its node's sum is worked out again when
        asked (batch never counts in it, so batch churn keeps it)."""
        if pod.spec.node_name and qos_of(pod) != BE:
            self._nodes.pop(pod.spec.node_name, None)

    def app_changed(self, key: str, app: app_pb2.App) -> None:
        """An App changed: if its pods' load did, every node's sum may have."""
        if self.loads.changes(key, app):
            self.clear()

    def clear(self) -> None:
        self._nodes.clear()

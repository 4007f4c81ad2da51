"""Why a pod goes where it goes, or nowhere: every node's filter verdicts and scores.

Pure: runs the same chains as a scheduling attempt on a snapshot and binds nothing. Per-node
reason strings are built only for the nodes reported (``max_nodes``), so explaining against
thousands of nodes stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sigma.scheduler.framework import CycleState, Framework, PodInfo, Snapshot
from sigma.v1 import scheduler_pb2


def explain(
    fw: Framework,
    pod: PodInfo,
    snap: Snapshot,
    node_names: Sequence[str] = (),
    max_nodes: int = 0,
) -> scheduler_pb2.ExplainResponse:
    out = scheduler_pb2.ExplainResponse(nodes_evaluated=snap.n)
    state = CycleState()
    status = fw.pre_filter(state, pod, snap)
    if not status.ok:
        out.reason = status.message()
        return out
    feasible, masks = fw.filter(state, pod, snap)
    rows = np.flatnonzero(feasible)
    total, parts = fw.score(state, pod, snap, rows)
    position = {int(r): k for k, r in enumerate(rows)}
    wanted = [snap.index[n] for n in node_names if n in snap.index] if node_names else None
    candidates = np.array(wanted if wanted is not None else np.flatnonzero(snap.present), int)
    node_total = np.full(snap.n, -np.inf)
    node_total[rows] = total
    order = candidates[np.lexsort((-node_total[candidates], ~feasible[candidates]))]
    if max_nodes > 0:
        order = order[:max_nodes]
    for i in order:
        verdict = out.nodes.add(node_name=snap.names[i], feasible=bool(feasible[i]))
        for plugin in fw.filters:
            ok = bool(masks[plugin.name][i])
            reason = "" if ok else plugin.explain(state, pod, snap, int(i))
            verdict.filters.add(plugin=plugin.name, ok=ok, reason=reason)
            if not ok:
                break
        if feasible[i]:
            k = position[int(i)]
            for name, (raw, norm) in parts.items():
                weighted = fw.weights[name] * float(norm[k])
                verdict.scores.add(
                    plugin=name, raw=float(raw[k]), normalized=float(norm[k]), weighted=weighted
                )
            verdict.total = float(total[k])
    result = fw.schedule(pod, snap)
    out.chosen_node = result.node
    if not result.node:
        out.reason = result.status.message()
    if result.preemption is not None:
        out.nominated_node = result.preemption.node
        out.victims.extend(v.pod_key for v in result.preemption.victims)
    return out

"""sigma.v1.Colocator: read-only views into budgets, the reclaim ledger and decisions.

Each replica answers for the nodes it owns (its partitions of the usage topic) and for the
decisions it made; the decision topic on the bus is the cluster-wide record.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sigma.auth import CLUSTER_READ, READ, Access
from sigma.colocator.capacity.utilization import Interval, Shares, interval, series
from sigma.colocator.capacity.writes import stamp
from sigma.colocator.replica import Colocator
from sigma.colocator.wire import change_proto, sample_of, terms_proto
from sigma.errors import Invalid, NotFound
from sigma.resources import NODE_ALLOCATION, Repository
from sigma.rpc import Service
from sigma.v1 import colocator_pb2, colocator_pb2_grpc, event_pb2

SERVICE = "sigma.v1.Colocator"
# Budgets, utilization and decisions are about machines every team shares: cluster readers only.
ACCESS: Access = {
    **dict.fromkeys(
        ("GetNodeBudget", "ExplainBudget", "GetClusterUtilization", "ListDecisions"), CLUSTER_READ
    ),
    "ListPodUsage": READ,  # a team reads its own pods' usage; "" (every team) needs "*"
}
DEFAULT_EXPLAIN = 100
DEFAULT_PAGE = 100
MAX_WINDOW = 366 * 86400.0  # a year of history at most: timestamps stay in range
MAX_POINTS = 10_000  # samples one utilization series may hold


def _seconds(value: Any) -> float:
    return value.seconds + value.nanos / 1e9


def _check_window(window: float, step: float) -> None:
    """A window that timestamps can express, cut into a bounded number of samples."""
    if not 0 < window <= MAX_WINDOW:
        raise Invalid("window", f"must be positive and at most {MAX_WINDOW:.0f} seconds")
    if step < 0 or (step and window / step > MAX_POINTS):
        raise Invalid("step", f"must not be negative nor cut the window into over {MAX_POINTS}")


def _shares(value: Shares) -> colocator_pb2.UtilizationShares:
    return colocator_pb2.UtilizationShares(
        online=value.online, batch=value.batch, system=value.system, idle=value.idle
    )


def _sample(value: Interval) -> colocator_pb2.UtilizationSample:
    return colocator_pb2.UtilizationSample(
        start=stamp(value.start),
        end=stamp(value.end),
        cpu=_shares(value.cpu),
        memory=_shares(value.mem),
    )


class ColocatorServicer(colocator_pb2_grpc.ColocatorServicer):
    def __init__(self, engine: Colocator) -> None:
        self.engine = engine
        self.allocations = Repository(engine.store, NODE_ALLOCATION)

    async def GetNodeBudget(
        self, request: colocator_pb2.GetNodeBudgetRequest, context: Any
    ) -> colocator_pb2.NodeBudget:
        latest = self.engine.ledger.latest(request.node_name)
        held = self.engine.published.get(request.node_name)
        if latest is None or held is None:
            raise NotFound(f"no budget for node {request.node_name!r} on this replica")
        budget = colocator_pb2.NodeBudget(
            node_name=request.node_name,
            terms=terms_proto(latest.terms),
            updated_at=stamp(held.written_at),
            sampled_at=stamp(latest.sampled_at),
        )
        allocation = await self.allocations.find("", request.node_name)
        if allocation is not None:
            budget.batch_requested.CopyFrom(allocation.batch_requested)
        return budget

    async def ExplainBudget(
        self, request: colocator_pb2.ExplainBudgetRequest, context: Any
    ) -> colocator_pb2.ExplainBudgetResponse:
        if request.limit < 0:
            raise Invalid("limit", "must not be negative")
        since = _seconds(request.since) if request.HasField("since") else 0.0
        changes = self.engine.ledger.explain(
            request.node_name, since, request.limit or DEFAULT_EXPLAIN
        )
        return colocator_pb2.ExplainBudgetResponse(
            node_name=request.node_name, changes=[change_proto(c) for c in changes]
        )

    async def GetClusterUtilization(
        self, request: colocator_pb2.GetClusterUtilizationRequest, context: Any
    ) -> colocator_pb2.ClusterUtilization:
        end = self.engine.wall()
        window = (
            _seconds(request.window) if request.HasField("window") else self.engine.history.keep
        )
        step = _seconds(request.step) if request.HasField("step") else 0.0
        _check_window(window, step)
        history = self.engine.history.all()
        past = math.nextafter(end, math.inf)  # intervals are half-open; a sample taken now counts
        whole = interval(history, end - window, past)
        out = colocator_pb2.ClusterUtilization(
            start=stamp(whole.start),
            end=stamp(end),
            cpu=_shares(whole.cpu),
            memory=_shares(whole.mem),
            nodes=whole.nodes,
        )
        out.capacity.cpu_millis, out.capacity.memory_bytes = whole.capacity.cpu, whole.capacity.mem
        if step:
            out.series.extend(_sample(i) for i in series(history, end - window, past, step))
        return out

    async def ListDecisions(
        self, request: colocator_pb2.ListDecisionsRequest, context: Any
    ) -> colocator_pb2.ListDecisionsResponse:
        token = request.page_token
        if token and not (token.isascii() and token.isdigit()):  # "²" is a digit, not a number
            raise Invalid("page_token", "not a token this server issued")
        if request.page_size < 0:
            raise Invalid("page_size", "must not be negative")
        since = _seconds(request.since) if request.HasField("since") else 0.0

        def keep(d: event_pb2.ColocationDecision) -> bool:
            return (
                (not request.node_name or d.node_name == request.node_name)
                and (not request.target or d.target == request.target)
                and (not request.kind or d.kind == request.kind)
                and _seconds(d.at) >= since
            )

        matching = [d for d in reversed(self.engine.decisions) if keep(d)]
        start = int(request.page_token or 0)
        size = request.page_size or DEFAULT_PAGE
        page = matching[start : start + size]
        more = start + size < len(matching)
        return colocator_pb2.ListDecisionsResponse(
            decisions=page, next_page_token=str(start + size) if more else ""
        )

    async def ListPodUsage(
        self, request: colocator_pb2.ListPodUsageRequest, context: Any
    ) -> colocator_pb2.ListPodUsageResponse:
        return list_pod_usage(self.engine, request)


def pod_usage(
    reports: Iterable[event_pb2.NodeUsageReport], namespace: str, node: str, since: float
) -> list[colocator_pb2.PodUsageSample]:
    """The pods of ``namespace`` ("" for all) in the reports sampled at or after ``since``."""
    out = []
    prefix = f"{namespace}/" if namespace else ""
    for report in reports:
        sampled = sample_of(report).at
        if sampled < since or (node and report.node_name != node):
            continue
        for used in report.pods:
            if used.pod_key.startswith(prefix):
                out.append(
                    colocator_pb2.PodUsageSample(
                        usage=used, node_name=report.node_name, sampled_at=stamp(sampled)
                    )
                )
    return sorted(out, key=lambda p: p.usage.pod_key)


def list_pod_usage(
    engine: Colocator, request: colocator_pb2.ListPodUsageRequest
) -> colocator_pb2.ListPodUsageResponse:
    """ListPodUsage: fresh reports only, so a stopped node's pods do not linger as running."""
    # Both only filter: a name that matches nothing answers nothing. Bounded all the same.
    if len(request.namespace) > 63 or "/" in request.namespace:
        raise Invalid("namespace", "a namespace name: at most 63 characters, no '/'")
    if len(request.node_name) > 253:
        raise Invalid("node_name", "at most 253 characters")
    since = engine.wall() - engine.settings.stale_after
    pods = pod_usage(engine.reports.values(), request.namespace, request.node_name, since)
    return colocator_pb2.ListPodUsageResponse(pods=pods)


def service(engine: Colocator) -> Service:
    servicer = ColocatorServicer(engine)
    return Service(
        SERVICE,
        lambda server: colocator_pb2_grpc.add_ColocatorServicer_to_server(servicer, server),
        ACCESS,
    )

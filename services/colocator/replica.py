"""One colocator replica: usage in, batch capacity, evictions and decisions out.

Replicas form one consumer group on the usage topic, keyed by node, so each node's reports go to
exactly one replica at a time and its batch capacity has one writer. A replica applies a fetched
batch of reports (history, capacity write, arbitration) before it commits them: a crash replays
them to whoever owns the partition next, and every step is idempotent (older samples are
dropped, the capacity write is a value, an eviction of a deleting pod changes nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError

from sigma.apiclient import ApiCalls
from sigma.bus import Bus, Message
from sigma.clock import Clock
from sigma.colocator.arbitration.victims import BatchPod, choose_victims, overage
from sigma.colocator.capacity.formula import Policy, Res, Sample, reason_for, settle, terms_for
from sigma.colocator.capacity.ledger import Change, History, Ledger
from sigma.colocator.capacity.writes import NodeWrites
from sigma.colocator.settings import ColocatorSettings
from sigma.colocator.wire import batch_pod, decision, sample_of
from sigma.errors import Conflict, NotFound, SigmaError
from sigma.log import get_logger
from sigma.observe import record_lag
from sigma.resources import POD, Repository
from sigma.resources.qos import BE
from sigma.store import Store
from sigma.v1 import event_pb2

log = get_logger("sigma.colocator")
EVICT = event_pb2.COLOCATION_DECISION_KIND_EVICT
BUDGET = event_pb2.COLOCATION_DECISION_KIND_BUDGET_CHANGE


@dataclass(slots=True)
class Published:
    """The figure this replica last wrote for a node, and when."""

    figure: Res
    changed_at: float  # when the figure last changed (hysteresis)
    written_at: float  # when it was last written (refresh)


class Colocator:
    def __init__(
        self,
        store: Store,
        bus: Bus,
        settings: ColocatorSettings,
        *,
        clock: Clock,
        wall: Callable[[], float],
        api: ApiCalls,
    ) -> None:
        self.store, self.bus, self.settings = store, bus, settings
        self.clock, self.wall = clock, wall
        self.policy: Policy = settings.policy()
        self.history = History(keep=max(settings.window, settings.stale_after) * 2)
        self.ledger = Ledger(settings.ledger_limit)
        self.decisions: deque[event_pb2.ColocationDecision] = deque(maxlen=settings.decisions_limit)
        self.writes = NodeWrites(store, wall)
        self.api = api
        self.pods = Repository(store, POD)
        self.published: dict[str, Published] = {}
        self.partition_of: dict[str, tuple[str, int]] = {}
        self.last_eviction: dict[str, float] = {}
        self.owned: frozenset[tuple[str, int]] | None = None  # None: every node seen
        self.reports: dict[str, event_pb2.NodeUsageReport] = {}  # newest per node: pods' usage

    # -- one report -------------------------------------------------------------------------
    async def apply(self, report: event_pb2.NodeUsageReport) -> None:
        """Take one usage report: remember it, recompute the node's capacity, arbitrate."""
        node = report.node_name
        sample = sample_of(report)
        if not self.history.add(node, sample):
            return
        self.reports[node] = report
        await self.recompute(node)
        if self.settings.evict:
            await self.arbitrate(node, sample, report)

    async def recompute(self, node: str) -> None:
        """Compute, settle and (if changed or due) write the node's batch capacity."""
        now = self.wall()
        samples = self.history.samples(node)
        terms, cause = terms_for(samples, self.policy, now)
        held = self.published.get(node)
        previous = held.figure if held else None
        figure = settle(
            previous,
            held.changed_at if held else 0.0,
            terms.result,
            terms.capacity,
            self.policy,
            now,
        )
        changed = figure != previous
        if not changed and held and now - held.written_at < self.settings.refresh_after:
            return
        try:
            await self.writes.batch_capacity(node, figure)
        except NotFound:
            log.info("usage from an unregistered node", extra={"node": node})
            return
        self.published[node] = Published(
            figure, now if changed else held.changed_at if held else now, now
        )
        if not changed:
            return
        reason = reason_for(previous, figure, cause)
        if figure != terms.result:  # hysteresis held part of it: the terms say what was written
            terms = type(terms)(
                terms.capacity, terms.thresholds, terms.online, terms.system, terms.reserve, figure
            )
        sampled_at = samples[-1].at if samples else 0.0
        self.ledger.record(Change(node, now, terms, previous or Res(), reason, sampled_at))
        await self.decide(decision(BUDGET, node, node, reason, now, terms=terms))

    async def arbitrate(self, node: str, sample: Sample, report: event_pb2.NodeUsageReport) -> None:
        """Evict batch when the node is over its threshold and batch holds the room."""
        need = overage(sample, self.policy.thresholds)
        now = self.wall()
        if (
            need == Res()
            or now - self.last_eviction.get(node, -1e18) < self.settings.evict_cooldown
        ):
            return
        candidates = []
        for used in report.pods:
            namespace, _, name = used.pod_key.partition("/")
            found = await self.pods.find(namespace, name) if used.qos_class == BE else None
            candidate = batch_pod(used, found)
            if candidate is not None:
                candidates.append(candidate)
        victims = choose_victims(candidates, need, now)
        if not victims:
            return
        self.last_eviction[node] = now
        message = f"node over threshold by {need.cpu}m CPU, {need.mem} B memory"
        await self.evict(node, victims, "OnlineStarved", message)

    async def evict(self, node: str, victims: Sequence[BatchPod], reason: str, message: str) -> int:
        """Evict ``victims`` through the apiserver's Pods.Evict and record each; how many went."""
        now = self.wall()
        done = 0
        for victim in victims:
            namespace, _, name = victim.key.partition("/")
            if not await self.api.evict(namespace, name, reason):
                continue
            done += 1
            await self.decide(decision(EVICT, node, victim.key, reason, now, message=message))
        return done

    async def decide(self, made: event_pb2.ColocationDecision) -> None:
        """Keep a decision for ListDecisions and publish it (key = node, or target if none)."""
        self.decisions.append(made)
        key = made.node_name or made.target
        await self.bus.publish(
            self.settings.decision_topic,
            key,
            made.SerializeToString(),
            {"content-type": f"application/x-protobuf; messageType={made.DESCRIPTOR.full_name}"},
        )

    # -- the loops --------------------------------------------------------------------------
    def mine(self, node: str) -> bool:
        if self.owned is None:
            return True
        return self.partition_of.get(node) in self.owned

    async def sweep(self) -> None:
        """Recompute every owned node: stale usage must lower capacity without a new report."""
        for node in list(self.published):
            if not self.mine(node):
                self.published.pop(node, None)  # another replica writes it now
                self.reports.pop(node, None)
                self.history.forget(node)
                continue
            try:
                await self.recompute(node)
            except SigmaError as exc:
                log.warning("sweep failed", extra={"node": node, "error": str(exc)})

    async def handle(self, messages: list[Message]) -> None:
        for message in messages:
            self.partition_of[message.key] = (message.topic, message.partition)
            try:
                report = event_pb2.NodeUsageReport.FromString(message.value)
            except DecodeError:  # a foreign value must not stop the stream
                log.warning("undecodable usage report", extra={"key": message.key})
                continue
            await self.apply(report)

    async def consume(self, stop: asyncio.Event) -> None:
        """Fetch, apply, commit, until ``stop``; a rebalance mid-batch just replays it."""
        topic = self.settings.usage_topic
        async with await self.bus.consumer(self.settings.group, [topic]) as consumer:
            next_sweep = self.clock.now()
            while not stop.is_set():
                messages = await consumer.fetch(timeout=0.5)
                self.owned = consumer.assignment()
                if messages:
                    await self.handle(messages)
                    with contextlib.suppress(Conflict):  # moved: its new owner replays it
                        await consumer.commit(messages)
                await record_lag(consumer, self.settings.group)
                if self.clock.now() >= next_sweep:
                    await self.sweep()
                    next_sweep = self.clock.now() + self.settings.tick_interval

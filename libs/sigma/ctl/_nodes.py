"""``cordon``, ``uncordon`` and ``drain``: take a machine out of service the way kubectl does.

``drain`` cordons the node, then evicts every pod on it through ``Pods.Evict``, which holds each
App to its disruption budget: while an App is at its floor the apiserver answers
RESOURCE_EXHAUSTED, and drain asks again every second (batch pods always go), until the node
is empty or ``--timeout`` passes. A pod counts as gone once its record is removed or it has
finished. What is decided each round is ``step``, a pure function of what the node holds and
what was asked before; ``drain`` only reads, sends and prints.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig
from sigma.ctl._kinds import PODS
from sigma.ctl._reads import list_all
from sigma.errors import Invalid, NotFound, ResourceExhausted
from sigma.resources.pods import TERMINAL
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import meta_pb2, pod_pb2

RETRY = 1.0  # seconds between rounds, as kubectl drain retries a refused eviction


async def _set_cordon(client: Client, cfg: CtlConfig, node: str, cordon: bool) -> str:
    """Set the node's unschedulable mark; the line saying what happened."""
    ns = cfg.system_namespace
    current = await client.api("Nodes", "Get", api.GetNodeRequest(namespace=ns, node_name=node))
    word = "cordoned" if cordon else "uncordoned"
    if current.spec.unschedulable == cordon:
        return f"node/{node} already {word}"
    request = api.CordonNodeRequest(namespace=ns, node_name=node, unschedulable=cordon)
    await client.api("Nodes", "Cordon", request)
    return f"node/{node} {word}"


async def cordon(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    print(await _set_cordon(client, cfg, args.node, True))
    return 0


async def uncordon(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    print(await _set_cordon(client, cfg, args.node, False))
    return 0


def key(pod: pod_pb2.Pod) -> str:
    return f"{pod.meta.namespace}/{pod.meta.name}"


def must_go(pods: Sequence[pod_pb2.Pod], batch_only: bool) -> list[pod_pb2.Pod]:
    """The pods a drain waits for: those not finished (online ones too, unless batch only)."""
    return [
        p
        for p in pods
        if p.status.phase not in TERMINAL
        and (not batch_only or p.spec.qos_class == meta_pb2.QOS_CLASS_BE)
    ]


@dataclass
class Drain:
    """What a drain has asked so far: pods the apiserver accepted to stop, and refusals."""

    accepted: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)  # pod key -> the latest reason

    def step(self, pods: Sequence[pod_pb2.Pod]) -> list[pod_pb2.Pod]:
        """The pods to ask (again) this round: on the node, and not yet accepted."""
        here = {key(p) for p in pods}
        self.refused = {k: r for k, r in self.refused.items() if k in here}
        return [p for p in pods if key(p) not in self.accepted]

    def left(self, pods: Sequence[pod_pb2.Pod]) -> list[str]:
        """One line per pod still on the node: why it is still there."""
        out = []
        for p in pods:
            why = self.refused.get(key(p)) or (
                "stopping" if key(p) in self.accepted else "not evicted"
            )
            out.append(f"pod {key(p)}: {why}")
        return out


async def _evict(client: Client, pod: pod_pb2.Pod, grace: float | None, state: Drain) -> None:
    request = api.EvictPodRequest(
        namespace=pod.meta.namespace, name=pod.meta.name, reason="NodeDrain"
    )
    if grace is not None:
        request.grace_period.FromNanoseconds(int(grace * 1e9))
    try:
        await client.api("Pods", "Evict", request)
    except ResourceExhausted as exc:
        if state.refused.get(key(pod)) != exc.message:
            print(f"cannot evict pod {key(pod)} yet (retrying every {RETRY:g}s): {exc.message}")
        state.refused[key(pod)] = exc.message
        return
    except NotFound:
        pass  # gone already
    state.accepted.add(key(pod))
    state.refused.pop(key(pod), None)
    print(f"evicting pod {key(pod)}", flush=True)


def _check(args: argparse.Namespace) -> None:
    for flag, value in (("--grace", args.grace), ("--timeout", args.wait_timeout)):
        if value is not None and value < 0:
            raise Invalid(flag, "must not be negative")


async def drain(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    """Exit 0 once the node holds no pod that must go; 2 if some are left at the timeout."""
    _check(args)
    print(await _set_cordon(client, cfg, args.node, True), flush=True)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.wait_timeout if args.wait_timeout else None
    state = Drain()
    gone: set[str] = set()
    while True:
        on_node, _ = await list_all(client, PODS, "", {}, node_name=args.node)
        pods = must_go(on_node, args.batch_only)
        here = {key(p) for p in pods}
        for done in sorted(state.accepted - here - gone):
            print(f"pod {done} evicted", flush=True)
            gone.add(done)
        if not pods:
            print(f"node/{args.node} drained")
            return 0
        for pod in state.step(pods):
            await _evict(client, pod, args.grace, state)
        if deadline is not None and loop.time() >= deadline:
            for line in state.left(pods):
                print(f"left: {line}")
            print(
                f"sigmactl: node/{args.node} not drained after {args.wait_timeout:g}s: "
                f"{len(pods)} pod{'s' if len(pods) > 1 else ''} left",
                file=sys.stderr,
            )
            return 2
        await asyncio.sleep(RETRY)

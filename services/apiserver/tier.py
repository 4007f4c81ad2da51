"""The apiserver tier: the seven resource services over one shared ``Api``, and its loops.

``build`` is what ``sigma apiserver`` (via ``sigma.tiers``) calls; it only wires. Every replica
runs the same four things: the gRPC services, the Kubernetes-compatible HTTP door over the
same ``Api`` (``sigma.apiserver.kube``), the background work (task worker competing for
tasks, controllers each under its own election) and the change stream (published by whichever
replica holds its leadership).
"""

from __future__ import annotations

from sigma.apiserver.api import apps, batchjobs, events, interference, nodes, pods, tasks
from sigma.apiserver.api._common import Api
from sigma.apiserver.background import run_background
from sigma.apiserver.changestream import elected
from sigma.apiserver.controllers.runner import ControllerSettings
from sigma.apiserver.kube import serving as kube
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tasks.worker import TaskSettings
from sigma.config import pick
from sigma.events import topic_specs
from sigma.rpc import Service
from sigma.tiers import Context

SERVICES = (apps, batchjobs, pods, nodes, tasks, events, interference)


def services(api: Api) -> list[Service]:
    """Every resource service over ``api`` (tests build them over a store of their own)."""
    return [module.service(api) for module in SERVICES]


async def build(ctx: Context) -> list[Service]:
    # Built by hand (no settings): no Kubernetes door on a fixed port. The commands always
    # pass settings, where it is on by default.
    settings = ctx.settings or ApiServerSettings(kube_listen="")
    ctx.spawn(
        run_background(
            ctx.store,
            settings.identity,
            clock=ctx.clock,
            wall=ctx.wall,
            tasks=TaskSettings(
                lease_ttl=settings.task_lease_ttl,
                step_size=settings.task_step_size,
                step_interval=settings.task_step_interval,
            ),
            controllers=pick(ControllerSettings, settings, resync=settings.controller_resync),
        ),
        "apiserver-background",
    )
    await ctx.ensure_topics(topic_specs())  # Kafka down: serve; the stream catches up later
    stream = elected(
        ctx.store,
        ctx.bus,
        identity=settings.identity,
        clock=ctx.clock,
        encoding=settings.change_stream_encoding,
    )
    ctx.spawn(stream.run(), "apiserver-changestream")
    api = Api(ctx.store, settings)
    await kube.start(ctx, api, settings.kube_listen)
    return services(api)

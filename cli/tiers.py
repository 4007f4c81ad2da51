"""The four tiers by name, as the ``sigma`` command, ``sigma up`` and compose run them.

The one place that knows every tier: its default port, its builder, its settings and its
metrics. ``run`` serves some of them in this process (``sigma.tiers.serve``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sigma import observe
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tier import build as apiserver
from sigma.colocator.settings import ColocatorSettings
from sigma.colocator.tier import build as colocator
from sigma.scheduler.settings import SchedulerSettings
from sigma.scheduler.tier import build as scheduler
from sigma.slave.settings import SlaveSettings
from sigma.slave.tier import build as slave
from sigma.tiers import Tier, serve

TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        Tier("apiserver", 7070, apiserver, ApiServerSettings, observe.apiserver),
        Tier("scheduler", 7071, scheduler, SchedulerSettings, observe.scheduler),
        Tier("colocator", 7072, colocator, ColocatorSettings, observe.colocator),
        Tier("slave", 7073, slave, SlaveSettings, observe.slave),
    )
}


async def run(names: Sequence[str], **kwargs: Any) -> None:
    """Serve the named tiers (in the order given) until ``kwargs["stop"]`` is set."""
    await serve([TIERS[name] for name in names], **kwargs)

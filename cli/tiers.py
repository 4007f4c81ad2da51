"""The four tiers by name, as the ``sigma`` command, ``sigma up`` and compose run them.

The one place that knows every tier: its default port, its builder, its settings and its
metrics. ``run`` serves some of them in this process (``sigma.tiers.serve``). A tier's
modules are imported the first time it is looked up, so a process that serves one tier
pays for that tier's imports only (about half of a tier process's start-up CPU).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sigma.tiers import Tier, serve

# name → (default port, its settings dataclass in sigma.<name>.settings)
_SPECS = {
    "apiserver": (7070, "ApiServerSettings"),
    "scheduler": (7071, "SchedulerSettings"),
    "colocator": (7072, "ColocatorSettings"),
    "slave": (7073, "SlaveSettings"),
}
PORTS = {name: port for name, (port, _) in _SPECS.items()}


@functools.cache
def _load(name: str) -> Tier:
    port, settings = _SPECS[name]
    from sigma import observe

    return Tier(
        name,
        port,
        importlib.import_module(f"sigma.{name}.tier").build,
        getattr(importlib.import_module(f"sigma.{name}.settings"), settings),
        getattr(observe, name),
    )


class _Tiers(Mapping[str, Tier]):
    """Every tier by name, in serving order; each imported on first lookup."""

    def __getitem__(self, name: str) -> Tier:
        if name not in _SPECS:
            raise KeyError(name)
        return _load(name)

    def __iter__(self) -> Iterator[str]:
        return iter(_SPECS)

    def __len__(self) -> int:
        return len(_SPECS)


TIERS: Mapping[str, Tier] = _Tiers()


async def run(names: Sequence[str], **kwargs: Any) -> None:
    """Serve the named tiers (in the order given) until ``kwargs["stop"]`` is set."""
    await serve([TIERS[name] for name in names], **kwargs)

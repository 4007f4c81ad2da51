"""Every built-in plugin by name, and the default profile. The one list to edit."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sigma.scheduler.framework.runtime import Framework, Profile
from sigma.scheduler.plugins import (
    convex_cost,
    interference,
    least_allocated,
    load_aware,
    most_allocated,
    node_ready,
    node_selector,
    preemption,
    qos,
    resource_fit,
    scalar_fit,
    taint_toleration,
    time_fit,
    topology_spread,
)

Factory = Callable[[dict | None], object]

# Chain order: cheap, decisive filters first.
REGISTRY: dict[str, Factory] = {
    node_ready.NAME: node_ready.new,
    node_selector.NAME: node_selector.new,
    taint_toleration.NAME: taint_toleration.new,
    resource_fit.NAME: resource_fit.new,
    scalar_fit.NAME: scalar_fit.new,
    qos.NAME: qos.new,
    interference.NAME: interference.new,
    time_fit.NAME: time_fit.new,
    topology_spread.NAME: topology_spread.new,
    least_allocated.NAME: least_allocated.new,
    most_allocated.NAME: most_allocated.new,
    load_aware.NAME: load_aware.new,
    convex_cost.NAME: convex_cost.new,
    preemption.NAME: preemption.new,
}

DEFAULT_WEIGHTS = {
    topology_spread.NAME: 10.0,  # dominates: see topology_spread's docstring
    least_allocated.NAME: 1.0,
    most_allocated.NAME: 1.0,
    load_aware.NAME: 1.0,
    taint_toleration.NAME: 1.0,
    convex_cost.NAME: 1.0,
}


def default_profile(**overrides: object) -> Profile:
    fields = {"plugins": tuple(REGISTRY), "weights": dict(DEFAULT_WEIGHTS), **overrides}
    return Profile(**fields)  # type: ignore[arg-type]


def build(profile: Profile | None = None, args: Mapping[str, dict] | None = None) -> Framework:
    """A framework running ``profile``'s plugins, each made by its registered factory."""
    profile = profile or default_profile()
    unknown = [name for name in profile.plugins if name not in REGISTRY]
    if unknown:
        raise ValueError(f"unknown plugins: {', '.join(unknown)}")
    args = args or {}
    plugins = [REGISTRY[name](args.get(name)) for name in profile.plugins]
    return Framework(plugins, profile)


def wakes(framework: Framework) -> Callable[[frozenset[str], object], bool]:
    """For the queue: does ``event`` concern any of the plugins that rejected a pod?"""
    interest = {p.name: p.events for p in framework.plugins}  # type: ignore[attr-defined]
    return lambda plugins, event: any(event in interest.get(name, ()) for name in plugins)

"""An App's pods' daily CPU curves, from the App's traffic profile, for time-aware placement.

An App's traffic profile (``spec.time_sharing.profile``, or the one the colocator learned into
``status.learned_profile`` when the spec gives none) says how loaded the App is in each slot
of the day relative to its peak. A pod of the App is taken to use its CPU request at the
App's peak and that share of it in every other slot: its curve is ``request x load``. Apps
whose peaks fall at different hours can then share a node their requests summed would
overflow, as long as the summed curves stay within the node's CPU at every slot.

Every curve has ``SLOTS`` slots (a quarter of an hour each) whatever the profile's own slot
length, so the curves of any two Apps add up slot by slot: a profile slot covering several
of ours repeats, several of its slots within one of ours take their highest load (a pod must
fit at the worst moment of the slot). Curve values are whole millicores, so the sums kept
per node add and subtract exactly.

An App the colocator time-shares follows its load with its replica count instead: in a
trough it runs fewer pods, each as busy as before. Its pods' share of the load is then the
App's load times its replicas at the peak over the replicas the time-sharing loop keeps for
that load (``spec.replicas`` x load x (1 + headroom), rounded up, between the floor and
``spec.replicas``: the rule of the colocator's plan, taken at the slot itself, which keeps no
more pods than the lead window does and so never understates a pod's share), at most 1. A
time-shared pod's curve is thus nearly flat, dipping only where the floor holds more pods
than the load needs.

Only shared-pool pods (LS) carry a curve: a pod on exclusive or reserved cores holds them
all day, and batch runs on the room online leaves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sigma.resources import qos as qos_class
from sigma.resources.kinds import APP
from sigma.resources.pods import app_ref
from sigma.v1 import app_pb2, pod_pb2

DAY = 86_400
SLOTS = 96  # a quarter of an hour each
SLOT_SECONDS = DAY // SLOTS


def daily_load(slot_seconds: int, load: list[float] | tuple[float, ...]) -> np.ndarray | None:
    """The profile resampled to ``SLOTS`` slots and scaled so its peak is 1; None when the
    profile is empty, does not cover exactly a day, or never rises above 0."""
    if slot_seconds <= 0 or not load or slot_seconds * len(load) != DAY:
        return None
    values = np.clip(np.asarray(load, dtype=np.float64), 0.0, None)
    peak = float(values.max())
    if not np.isfinite(peak) or peak <= 0:
        return None
    starts = np.arange(SLOTS) * SLOT_SECONDS
    first = starts // slot_seconds  # the profile slot each of ours starts in
    last = (starts + SLOT_SECONDS - 1) // slot_seconds  # and the one it ends in
    out = values[first]
    for k in range(1, int((last - first).max()) + 1):  # finer profiles: the slot's highest
        more = first + k <= last
        out[more] = np.maximum(out[more], values[(first + k)[more]])
    return out / peak


def app_load(app: app_pb2.App) -> np.ndarray | None:
    """``daily_load`` of the App's given profile, else of the one learned for it."""
    for profile in (app.spec.time_sharing.profile, app.status.learned_profile):
        load = daily_load(profile.slot_seconds, list(profile.load))
        if load is not None:
            return load
    return None


def pod_load(app: app_pb2.App) -> np.ndarray | None:
    """Each of the App's pods' share of its request over the day (``app_load``, and the
    replicas time-sharing keeps for it when it is on); None without a profile."""
    load = app_load(app)
    spec = app.spec
    if load is None or not spec.time_sharing.enabled or spec.replicas <= 0:
        return load
    peak = spec.replicas
    floor = min(spec.min_replicas or peak, peak)
    need = np.ceil(np.round(load * peak * (1 + spec.time_sharing.headroom), 6))
    kept = np.clip(need, floor, peak)
    return np.minimum(load * peak / kept, 1.0)


def carries_curve(qos: int, cpu: int) -> bool:
    """Whether a pod of this class and CPU request is placed by its curve: shared-pool
    online pods asking for some CPU."""
    return qos == qos_class.LS and cpu > 0


def cpu_curve(load: np.ndarray, cpu_millis: int) -> np.ndarray:
    """A pod's CPU over the day, whole millicores: its request at the peak (load 1)."""
    return np.rint(load * cpu_millis)


def pod_curve(load: np.ndarray | None, qos: int, cpu_millis: int) -> np.ndarray | None:
    """A pod's daily CPU curve from its App's pods' load (``pod_load``); None for a pod placed
    by its request alone (no profile, or not a shared-pool online pod)."""
    if load is None or not carries_curve(qos, cpu_millis):
        return None
    return cpu_curve(load, cpu_millis)


def fits_every_slot(
    peak: np.ndarray, used: np.ndarray, cap: np.ndarray, curve: np.ndarray, top: float
) -> np.ndarray:
    """Rows whose ``used`` (rows x slots, each row's maximum ``peak``) plus ``curve`` (its
    maximum ``top``) stay within ``cap`` at every slot. Most rows are decided by the peaks
    alone: both peaks within fits for sure, the row's peak plus the curve's lowest slot over
    fits nowhere; only the rows in between are compared slot by slot."""
    ok = peak + top <= cap
    if ok.all():  # the common case while rows have room: no slot to look at
        return ok
    unsure = np.flatnonzero(~ok & (peak + curve.min() <= cap))
    if len(unsure):
        ok[unsure] = (used[unsure] + curve <= cap[unsure, None]).all(axis=1)
    return ok


class AppLoads:
    """Each App's pods' daily load (``pod_load``), worked out once per revision of the App:
    every pod of it shares the array. ``app_of`` looks an App up by its store key (an
    informer's ``get``)."""

    def __init__(self, app_of: Callable[[str], app_pb2.App | None]) -> None:
        self.app_of = app_of
        self._loads: dict[str, tuple[int, np.ndarray | None]] = {}  # App key → (revision, load)

    def of_app(self, key: str, app: app_pb2.App) -> np.ndarray | None:
        seen = self._loads.get(key)
        if seen is None or seen[0] != app.meta.resource_version:
            seen = self._loads[key] = (app.meta.resource_version, pod_load(app))
        return seen[1]

    def changes(self, key: str, app: app_pb2.App) -> bool:
        """Whether this revision of the App gives its pods another load than the last one."""
        before = self._loads.get(key)
        old, load = before[1] if before is not None else None, self.of_app(key, app)
        return (old is None) != (load is None) or (
            old is not None and not np.array_equal(old, load)
        )

    def of_pod(self, pod: pod_pb2.Pod | None) -> tuple[str, np.ndarray | None]:
        """A pod object's App ("" none) and that App's pods' daily load."""
        app = app_ref(pod) if pod is not None else ""
        if not app:
            return "", None
        key = APP.key(*app.split("/", 1))
        obj = self.app_of(key)
        return app, self.of_app(key, obj) if obj is not None else None

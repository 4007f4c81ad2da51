"""UpdateMetadata's rules: what a label or annotation change may say, and what it does.

Pure functions, as ``validation`` is: ``check`` refuses a change that can never succeed
(INVALID_ARGUMENT, with the field) before anything is read; ``edit`` applies it to an object's
metadata and refuses, with nothing written, what the object's present state forbids.

Why keys under ``sigma.io/`` are refused: the system stamps them (``sigma.io/app`` and
``sigma.io/template-hash`` on pods decide which App and which template a pod belongs to); a
manifest may set them at creation, but changing them later would silently detach pods from
their owner or their rollout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping

from sigma.apiserver import validation
from sigma.errors import FailedPrecondition, Invalid
from sigma.v1 import apiserver_pb2, meta_pb2

SYSTEM_PREFIX = "sigma.io/"
REMOVE_MAX = 1024  # keys one change may remove, per map


def check(change: apiserver_pb2.MetadataChange, field: str = "change") -> None:
    """Well-formed keys and values, something to do, no key both set and removed."""
    if not (
        change.set_labels
        or change.remove_labels
        or change.set_annotations
        or change.remove_annotations
    ):
        raise Invalid(field, "nothing to change: set or remove a label or an annotation")
    validation.labels(change.set_labels, f"{field}.set_labels")
    validation.annotation_map(change.set_annotations, f"{field}.set_annotations")
    for part, sets, removes in (
        ("labels", change.set_labels, change.remove_labels),
        ("annotations", change.set_annotations, change.remove_annotations),
    ):
        _keys(sets, f"{field}.set_{part}")
        where = f"{field}.remove_{part}"
        if len(removes) > REMOVE_MAX:
            raise Invalid(where, f"at most {REMOVE_MAX} keys, got {len(removes)}")
        for i, key in enumerate(removes):
            validation.label_key(key, f"{where}[{i}]")
            if key in sets:
                raise Invalid(f"{where}[{i}]", f"{key!r} is also set by set_{part}")
        _keys(removes, where)


def _keys(keys: Iterable[str], field: str) -> None:
    for key in keys:
        if key.startswith(SYSTEM_PREFIX):
            raise Invalid(f"{field}[{key!r}]", f"keys under {SYSTEM_PREFIX} belong to the system")


def edit(meta: meta_pb2.ObjectMeta, change: apiserver_pb2.MetadataChange) -> bool:
    """Apply ``change`` to ``meta`` in place; False when it already said so (nothing to write).

    Without ``overwrite``, a key set to another value than it holds is refused
    (FailedPrecondition, naming the key and its value) as ``kubectl label`` refuses it; the
    result must stay within the label bounds (``Invalid``).
    """
    changed = _apply(meta.labels, change.set_labels, change.remove_labels, "label", change)
    changed |= _apply(
        meta.annotations, change.set_annotations, change.remove_annotations, "annotation", change
    )
    validation.labels(meta.labels, "change.set_labels")
    validation.annotation_map(meta.annotations, "change.set_annotations")
    return changed


def _apply(
    target: MutableMapping[str, str],
    sets: Mapping[str, str],
    removes: Iterable[str],
    what: str,
    change: apiserver_pb2.MetadataChange,
) -> bool:
    changed = False
    for key in sorted(sets):
        old = target.get(key)
        if old == sets[key]:
            continue
        if old is not None and not change.overwrite:
            raise FailedPrecondition(f"{what} {key!r} already has a value ({old!r})")
        target[key] = sets[key]
        changed = True
    for key in removes:
        if key in target:
            del target[key]
            changed = True
    return changed

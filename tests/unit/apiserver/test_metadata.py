"""UpdateMetadata's pure rules: what a change may say (``check``) and what it does (``edit``)."""

from __future__ import annotations

from typing import Any

import pytest

from sigma.apiserver import metadata
from sigma.errors import FailedPrecondition, Invalid
from sigma.v1 import apiserver_pb2, meta_pb2

Change = apiserver_pb2.MetadataChange


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (Change(), "change", "nothing to change"),
        (Change(set_labels={"bad key!": "x"}), "change.set_labels['bad key!']", "key"),
        (Change(set_labels={"tier": "not ok!"}), "change.set_labels['tier']", "value"),
        (Change(remove_labels=["ok", "a b"]), "change.remove_labels[1]", "key"),
        (Change(set_labels={"a": "1"}, remove_labels=["a"]), "change.remove_labels[0]", "also set"),
        (
            Change(set_annotations={"n": "x"}, remove_annotations=["n"]),
            "change.remove_annotations[0]",
            "also set",
        ),
        (
            Change(set_labels={"sigma.io/app": "x"}),
            "change.set_labels['sigma.io/app']",
            "belong to the system",
        ),
        (
            Change(remove_annotations=["sigma.io/request-id"]),
            "change.remove_annotations['sigma.io/request-id']",
            "belong to the system",
        ),
        (Change(remove_labels=["k"] * 1025), "change.remove_labels", "at most 1024"),
    ],
)
def test_a_change_that_can_never_succeed_is_invalid_naming_the_field(
    change: Change, field: str, reason: str
) -> None:
    with pytest.raises(Invalid) as caught:
        metadata.check(change)
    assert caught.value.field == field and reason in caught.value.reason


def _meta(**labels: str) -> meta_pb2.ObjectMeta:
    return meta_pb2.ObjectMeta(name="web", labels=labels, annotations={"note": "old"})


def test_edit_sets_and_removes_and_says_whether_anything_changed() -> None:
    meta = _meta(tier="web", zone="a")
    change = Change(set_labels={"team": "shop"}, remove_labels=["zone", "absent"])
    assert metadata.edit(meta, change)
    assert dict(meta.labels) == {"tier": "web", "team": "shop"}
    assert not metadata.edit(meta, change)  # applied again: already so, nothing to write
    assert not metadata.edit(meta, Change(set_labels={"tier": "web"}))  # same value: no overwrite
    assert metadata.edit(meta, Change(remove_annotations=["note"]))
    assert dict(meta.annotations) == {}


def test_another_value_needs_overwrite_and_a_refusal_changes_nothing() -> None:
    meta = _meta(tier="web")
    with pytest.raises(FailedPrecondition, match=r"label 'tier' already has a value \('web'\)"):
        metadata.edit(meta, Change(set_labels={"tier": "db"}))
    assert metadata.edit(meta, Change(set_labels={"tier": "db"}, overwrite=True))
    assert meta.labels["tier"] == "db"


def test_the_result_stays_within_the_label_bounds() -> None:
    meta = _meta(**{f"k{i}": "v" for i in range(64)})
    with pytest.raises(Invalid, match="at most 64 entries"):
        metadata.edit(meta, Change(set_labels={"one-more": "v"}))


def test_edit_never_touches_anything_but_labels_and_annotations() -> None:
    meta = _meta()
    meta.generation, meta.resource_version = 4, 17
    before: Any = meta_pb2.ObjectMeta()
    before.CopyFrom(meta)
    metadata.edit(meta, Change(set_labels={"a": "1"}, set_annotations={"b": "2"}))
    for name in ("generation", "resource_version", "name", "uid"):
        assert getattr(meta, name) == getattr(before, name)

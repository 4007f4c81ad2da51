"""Scalars and metadata (validation/_basics.py): names, namespaces, labels, annotations, and
resource versions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sigma.apiserver import validation as v
from sigma.errors import Invalid
from tests.unit.apiserver._validation import NAMESPACES, Case, assert_invalid, cases, check_app

CASES: list[Case] = [
    (
        "empty name",
        lambda: check_app(lambda a: a.meta.ClearField("name")),
        "app.meta.name",
        "required",
    ),
    (
        "name too long",
        lambda: check_app(lambda a: setattr(a.meta, "name", "a" * 64)),
        "app.meta.name",
        "63",
    ),
    (
        "name upper case",
        lambda: check_app(lambda a: setattr(a.meta, "name", "Web")),
        "app.meta.name",
        "lower-case",
    ),
    (
        "name ends with dash",
        lambda: check_app(lambda a: setattr(a.meta, "name", "web-")),
        "app.meta.name",
        "lower-case",
    ),
    (
        "other namespace",
        lambda: check_app(lambda a: setattr(a.meta, "namespace", "other")),
        "app.meta.namespace",
        "must be empty",
    ),
    (
        "too many labels",
        lambda: check_app(lambda a: a.meta.labels.update({f"k{i}": "v" for i in range(65)})),
        "app.meta.labels",
        "at most 64",
    ),
    (
        "label value too long",
        lambda: check_app(lambda a: a.meta.labels.update({"k": "v" * 64})),
        "app.meta.labels['k']",
        "value",
    ),
    (
        "label key bad",
        lambda: check_app(lambda a: a.meta.labels.update({"bad key": "v"})),
        "app.meta.labels['bad key']",
        "key",
    ),
    (
        "annotations too big",
        lambda: check_app(lambda a: a.meta.annotations.update({"a": "x" * 300_000})),
        "app.meta.annotations",
        "bytes",
    ),
    (
        "status version required",
        lambda: v.resource_version(0, required=True),
        "resource_version",
        "name the version you read",
    ),
]


@cases(CASES)
def test_bad_metadata_names_the_field(check: Callable[[], None], field: str, reason: str) -> None:
    assert_invalid(check, field, reason)


@pytest.mark.parametrize(
    ("value", "reason"), [("", "required"), ("finance", "unknown namespace 'finance'")]
)
def test_namespace(value: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        v.namespace(value, NAMESPACES)
    assert (caught.value.field, caught.value.reason) == ("namespace", reason)
    v.namespace("default", NAMESPACES)

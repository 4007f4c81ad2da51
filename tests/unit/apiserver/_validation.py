"""What the validation tables share: the limits, the samples with one change made, and the check.

Each table row is (id, a call that must be refused, the field it must name, a word of the
reason); ``cases`` turns a table into parameters and ``assert_invalid`` is the one assertion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sigma.apiserver import samples
from sigma.apiserver import validation as v
from sigma.errors import Invalid
from sigma.v1 import app_pb2, batch_pb2, node_pb2, pod_pb2

LIMITS = v.Limits(max_replicas=100)
NAMESPACES = ("default", "system")

Case = tuple[str, Callable[[], None], str, str]


def check_app(change: Callable[[app_pb2.App], Any]) -> None:
    obj = samples.app()
    change(obj)
    v.app(obj, "default", LIMITS)


def check_job(change: Callable[[batch_pb2.BatchJob], Any]) -> None:
    obj = samples.batch_job()
    change(obj)
    v.batch_job(obj, "default", LIMITS)


def check_node(change: Callable[[node_pb2.Node], Any]) -> None:
    obj = samples.node()
    change(obj)
    v.node(obj, LIMITS)


def container(a: app_pb2.App) -> pod_pb2.Container:
    return a.spec.template.containers[0]


def add_task(job: batch_pb2.BatchJob, name: str, *deps: str) -> None:
    job.spec.tasks.add(name=name, instances=1, depends_on=deps, template=samples.template(4))


def cases(table: list[Case]) -> pytest.MarkDecorator:
    """The table as parameters ``check, field, reason``, each named by its id."""
    return pytest.mark.parametrize(
        ("check", "field", "reason"), [c[1:] for c in table], ids=[c[0] for c in table]
    )


def assert_invalid(check: Callable[[], None], field: str, reason: str) -> None:
    """``check`` is refused with ``Invalid`` naming exactly ``field``, ``reason`` in its reason."""
    with pytest.raises(Invalid) as caught:
        check()
    assert caught.value.field == field
    assert reason in caught.value.reason

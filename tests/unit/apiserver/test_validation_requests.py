"""The requests beyond objects (validation/_requests.py): scale, upgrade, cancel, pages, watches."""

from __future__ import annotations

from collections.abc import Callable

from sigma.apiserver import samples
from sigma.apiserver import validation as v
from sigma.v1 import apiserver_pb2, app_pb2, meta_pb2
from tests.unit.apiserver._validation import LIMITS, Case, assert_invalid, cases

REQUESTS: list[Case] = [
    (
        "scale negative",
        lambda: v.scale_app(apiserver_pb2.ScaleAppRequest(name="web", replicas=-1), LIMITS),
        "replicas",
        "between 0 and 100",
    ),
    (
        "scale no name",
        lambda: v.scale_app(apiserver_pb2.ScaleAppRequest(replicas=1), LIMITS),
        "name",
        "required",
    ),
    (
        "scale negative version",
        lambda: v.scale_app(apiserver_pb2.ScaleAppRequest(name="w", resource_version=-2), LIMITS),
        "resource_version",
        "must not be negative",
    ),
    (
        "upgrade no template",
        lambda: v.upgrade_app(apiserver_pb2.UpgradeAppRequest(name="web"), LIMITS),
        "template",
        "required",
    ),
    (
        "upgrade bad policy",
        lambda: v.upgrade_app(
            apiserver_pb2.UpgradeAppRequest(
                name="web",
                template=samples.template(),
                upgrade=app_pb2.RollingUpgradePolicy(max_unavailable_percent=101),
            ),
            LIMITS,
        ),
        "upgrade.max_unavailable_percent",
        "between 0 and 100",
    ),
    (
        "cancel long reason",
        lambda: v.cancel_batch_job(
            apiserver_pb2.CancelBatchJobRequest(name="etl", reason="x" * 2000)
        ),
        "reason",
        "at most 1024",
    ),
    (
        "list negative page",
        lambda: v.page_request(apiserver_pb2.ListAppsRequest(page_size=-1)),
        "page_size",
        "must not be negative",
    ),
    (
        "list bad selector",
        lambda: v.page_request(
            apiserver_pb2.ListAppsRequest(
                label_selector=meta_pb2.LabelSelector(match_labels={"a b": "c"})
            )
        ),
        "label_selector.match_labels['a b']",
        "key 'a b'",
    ),
    (
        "watch negative version",
        lambda: v.watch_request(apiserver_pb2.WatchAppsRequest(resource_version=-1)),
        "resource_version",
        "must not be negative",
    ),
]


@cases(REQUESTS)
def test_bad_request_names_the_field(check: Callable[[], None], field: str, reason: str) -> None:
    assert_invalid(check, field, reason)

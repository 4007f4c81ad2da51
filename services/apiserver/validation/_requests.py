"""The requests beyond objects: pages, watches, scale, time-share, upgrade, cancel."""

from __future__ import annotations

from typing import Any

from sigma.apiserver.validation._basics import (
    APP_QOS,
    APP_RESTART,
    REASON_MAX,
    Limits,
    camel_case,
    in_range,
    name,
    resource_version,
    selector,
)
from sigma.apiserver.validation._objects import upgrade_policy
from sigma.apiserver.validation._pods import template
from sigma.errors import Invalid


# -- requests -----------------------------------------------------------------------------------
def page_request(request: Any) -> None:
    """Shared by every List: selector, page size (the token is checked where it is decoded)."""
    if hasattr(request, "label_selector"):
        selector(request.label_selector)
    if request.page_size < 0:
        raise Invalid("page_size", "must not be negative")


def watch_request(request: Any) -> None:
    selector(request.label_selector)
    resource_version(request.resource_version)


def scale_app(request: Any, limits: Limits) -> None:
    name(request.name, "name")
    in_range(request.replicas, 0, limits.max_replicas, "replicas")
    resource_version(request.resource_version)


def time_share_app(request: Any, limits: Limits) -> None:
    name(request.name, "name")
    in_range(request.replicas, 1, limits.max_replicas, "replicas")
    if request.reason:
        camel_case(request.reason, "reason")


def upgrade_app(request: Any, limits: Limits) -> None:
    name(request.name, "name")
    if not request.HasField("template"):
        raise Invalid("template", "required")
    template(request.template, limits, "template", qos=APP_QOS, restart=APP_RESTART)
    if request.HasField("upgrade"):
        upgrade_policy(request.upgrade, limits, "upgrade")
    resource_version(request.resource_version)


def cancel_batch_job(request: Any) -> None:
    name(request.name, "name")
    if len(request.reason) > REASON_MAX:
        raise Invalid("reason", f"at most {REASON_MAX} characters")
    resource_version(request.resource_version)

"""What every fuzz test shares: how many examples to run, and what a sound answer is."""

from __future__ import annotations

import os

import grpc
from hypothesis import HealthCheck, settings

from tests.fuzz._servers import Fleet, Method

SCALE = int(os.environ.get("SIGMA_FUZZ_EXAMPLES", "0"))
CALL_TIMEOUT = 5.0
BAD = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED}


def fuzz_settings(default: int) -> settings:
    """``default`` examples in `make test`; SIGMA_FUZZ_EXAMPLES of them in `make fuzz`."""
    return settings(
        max_examples=SCALE or default,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,
        ],
    )


def check(fleet: Fleet, method: Method, request: object) -> grpc.StatusCode:
    """Send ``request``; assert the server's answer and state are sound; return the status."""
    before = fleet.revision(method.server)
    code = fleet.call(method, request, CALL_TIMEOUT)
    assert code not in BAD, f"{method.path} answered {code.name} to {request!r:.2000}"
    if code != grpc.StatusCode.OK:
        after = fleet.revision(method.server)
        assert after == before, (
            f"{method.path} rejected with {code.name} but wrote ({before}→{after})"
        )
    elif fleet.revision(method.server) != before:  # what it stored, the change stream can publish
        assert not fleet.unencodable(method.server), f"{method.path} stored {request!r:.2000}"
    assert fleet.healthy()
    return code

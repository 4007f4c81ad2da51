"""Requests the fuzzer once found a wrong answer to, each with the status it must get now."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message

from sigma.v1 import colocator_pb2, slave_pb2
from tests.fuzz._checks import check
from tests.fuzz._servers import Fleet

INVALID = grpc.StatusCode.INVALID_ARGUMENT
YEAR = 366 * 86400

CASES: list[tuple[str, Message | bytes]] = [
    # INTERNAL: OverflowError converting the grace to a timedelta.
    ("/sigma.v1.Slave/Drain", slave_pb2.DrainRequest(grace_period=Duration(seconds=2**63 - 1))),
    ("/sigma.v1.Slave/Drain", slave_pb2.DrainRequest(grace_period=Duration(seconds=-1))),
    # INTERNAL: a window reaching before year 1 makes an invalid Timestamp.
    (
        "/sigma.v1.Colocator/GetClusterUtilization",
        colocator_pb2.GetClusterUtilizationRequest(window=Duration(seconds=2**62)),
    ),
    # A year cut into nanosecond steps: a series of 3e16 samples.
    (
        "/sigma.v1.Colocator/GetClusterUtilization",
        colocator_pb2.GetClusterUtilizationRequest(
            window=Duration(seconds=YEAR), step=Duration(nanos=1)
        ),
    ),
    # INTERNAL: "²".isdigit() holds but int("²") raises.
    ("/sigma.v1.Colocator/ListDecisions", colocator_pb2.ListDecisionsRequest(page_token="²")),
    ("/sigma.v1.Colocator/ListDecisions", colocator_pb2.ListDecisionsRequest(page_size=-1)),
    # UNKNOWN: bytes that are no request message failed in grpc's deserializer.
    ("/sigma.v1.Apps/Create", b"\xff" * 16),
    ("/sigma.v1.Pods/Watch", b"\xff" * 16),
]


@pytest.mark.parametrize(("path", "request_"), CASES)
def test_found_inputs_are_rejected_as_invalid(
    fleet: Fleet, path: str, request_: Message | bytes
) -> None:
    method = next(m for m in fleet.methods if m.path == path)
    assert check(fleet, method, request_) == INVALID

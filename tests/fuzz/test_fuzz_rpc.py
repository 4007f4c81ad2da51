"""Every RPC of every tier under random, hostile and corrupted-valid requests, and raw garbage.

For each request: the status is a deliberate one (never INTERNAL or UNKNOWN, and no hang into
DEADLINE_EXCEEDED), the servers still answer health, and a rejected request left the store's
revision where it was. The methods come from the proto service descriptors, so a new RPC is
fuzzed without touching this file. ``SIGMA_FUZZ_EXAMPLES`` raises the example counts for long
runs (``make fuzz``).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz._checks import check, fuzz_settings
from tests.fuzz._seeds import seed
from tests.fuzz._servers import Fleet, Method, proto_services, start_fleet, stop_fleet
from tests.fuzz._strategies import messages, mutated


def _methods() -> list[str]:
    return [f"/{s.full_name}/{m.name}" for s in proto_services() for m in s.methods]


def _method(fleet: Fleet, path: str) -> Method:
    return next(m for m in fleet.methods if m.path == path)


def _inputs(kind: str, method: Method, versions: dict[str, int]) -> st.SearchStrategy[object]:
    """random: any message of the request type; corrupted: its valid seed with one field made
    hostile; garbage: bytes that are no request message at all."""
    if kind == "random":
        return messages(method.request)
    if kind == "corrupted":
        return mutated(seed(method.request, versions))
    return st.one_of(st.binary(min_size=1, max_size=64), st.just(b"\xff" * 16))


EXAMPLES = {"random": 12, "corrupted": 20, "garbage": 8}  # per RPC in `make test`


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
@pytest.mark.parametrize("path", _methods())
def test_every_rpc_answers_hostile_input_soundly(fleet: Fleet, path: str, kind: str) -> None:
    method = _method(fleet, path)

    @fuzz_settings(EXAMPLES[kind])
    @given(_inputs(kind, method, fleet.versions))
    def run(request: object) -> None:
        check(fleet, method, request)

    run()


def test_every_proto_service_is_served() -> None:
    """The fleet serves each service of the contract (else a new tier escapes the fuzzer)."""
    fleet = start_fleet()
    try:
        served = {m.path for m in fleet.methods}
        assert served == set(_methods())
        assert len(served) >= 30
    finally:
        stop_fleet(fleet)

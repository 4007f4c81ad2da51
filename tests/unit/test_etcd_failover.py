"""The etcd store's failover between members, decided without an etcd: each attempt is a stand-in
that fails as a dead, hung or refusing member would (``EtcdChannel.attempts``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import grpc
import pytest

from sigma.errors import Invalid, Unavailable
from sigma.store._etcd_channel import EtcdChannel

MEMBERS = ("10.0.0.1:2379", "10.0.0.2:2379", "10.0.0.3:2379")


def _error(code: grpc.StatusCode, details: str) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details=details)


HUNG = _error(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
REFUSED = _error(grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses; refused")
RESET = _error(grpc.StatusCode.UNAVAILABLE, "Socket closed")


class Members:
    """Attempts answered by member: an error to raise, or "ok"; and the deadlines given."""

    def __init__(self, channel: EtcdChannel, answers: dict[int, grpc.aio.AioRpcError]) -> None:
        self.channel = channel
        self.answers = answers
        self.tried: list[int] = []
        self.deadlines: list[float] = []

    async def attempt(self, ch: grpc.aio.Channel, timeout: float) -> str:
        member = next(i for i, c in self.channel._channels.items() if c is ch)
        self.tried.append(member)
        self.deadlines.append(timeout)
        if member in self.answers:
            raise self.answers[member]
        return f"answer of {member}"


@pytest.fixture
async def channel() -> AsyncIterator[EtcdChannel]:
    ch = EtcdChannel(MEMBERS, 5.0, attempt_timeout=1.0)
    yield ch
    await ch.close()


@pytest.mark.parametrize("failure", [HUNG, REFUSED, RESET], ids=["hung", "refused", "reset"])
async def test_a_read_goes_on_to_the_next_member_and_stays_there(
    channel: EtcdChannel, failure: grpc.aio.AioRpcError
) -> None:
    members = Members(channel, {0: failure})
    assert await channel.attempts(members.attempt, repeatable=True) == "answer of 1"
    assert await channel.attempts(members.attempt, repeatable=True) == "answer of 1"
    assert members.tried == [0, 1, 1]
    assert (channel.preferred, channel.failovers) == (MEMBERS[1], 1)
    assert members.deadlines[0] == pytest.approx(1.0)  # an attempt's, not the whole call's


@pytest.mark.parametrize("failure", [HUNG, RESET], ids=["hung", "reset"])
async def test_a_write_of_unknown_outcome_is_not_sent_again(
    channel: EtcdChannel, failure: grpc.aio.AioRpcError
) -> None:
    members = Members(channel, {0: failure})
    with pytest.raises(Unavailable):
        await channel.attempts(members.attempt, repeatable=False)
    assert members.tried == [0]  # the member may still apply it: the caller decides
    assert channel.preferred == MEMBERS[1]  # but the next call goes elsewhere
    assert await channel.attempts(members.attempt, repeatable=False) == "answer of 1"


async def test_a_write_refused_at_connect_goes_on_to_the_next_member(
    channel: EtcdChannel,
) -> None:
    members = Members(channel, {0: REFUSED, 1: REFUSED})
    assert await channel.attempts(members.attempt, repeatable=False) == "answer of 2"
    assert members.tried == [0, 1, 2]


async def test_every_member_down_is_unavailable_after_one_try_each(
    channel: EtcdChannel,
) -> None:
    members = Members(channel, dict.fromkeys(range(3), REFUSED))
    with pytest.raises(Unavailable, match=re.escape(",".join(MEMBERS))):
        await channel.attempts(members.attempt, repeatable=True)
    assert members.tried == [0, 1, 2]  # once each, not a spin until the deadline


async def test_no_attempt_outlives_the_call() -> None:
    channel = EtcdChannel(MEMBERS, 0.5, attempt_timeout=1.0)
    members = Members(channel, {0: HUNG})
    assert await channel.attempts(members.attempt, repeatable=True) == "answer of 1"
    assert members.deadlines[0] == pytest.approx(0.5, abs=0.05)  # the call's, not 1 s
    assert members.deadlines[1] <= 0.5
    await channel.close()


async def test_a_refusal_of_the_request_itself_is_not_failed_over(channel: EtcdChannel) -> None:
    members = Members(channel, {0: _error(grpc.StatusCode.INVALID_ARGUMENT, "bad range")})
    with pytest.raises(Invalid):
        await channel.attempts(members.attempt, repeatable=True)
    assert (members.tried, channel.failovers) == ([0], 0)


async def test_one_member_gets_the_whole_deadline_and_no_failover() -> None:
    channel = EtcdChannel(MEMBERS[:1], 5.0, attempt_timeout=1.0)
    members = Members(channel, {0: HUNG})
    with pytest.raises(Unavailable):
        await channel.attempts(members.attempt, repeatable=True)
    assert (members.tried, channel.failovers) == ([0], 0)
    assert members.deadlines == [pytest.approx(5.0, abs=0.05)]
    await channel.close()

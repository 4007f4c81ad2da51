"""The one retry policy for calls that cross a process: backoff with jitter, retriable errors only.

Only errors that say ``retriable`` (``Unavailable``, ``DeadlineExceeded``) are retried: a
``Conflict`` needs a fresh read and an ``Invalid`` will never succeed, so retrying them blindly
would only hide bugs. Jitter keeps many replicas from retrying in lock step after an outage.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    stop_never,
    wait_random_exponential,
)

from sigma.errors import SigmaError

T = TypeVar("T")


def is_retriable(exc: BaseException) -> bool:
    return isinstance(exc, SigmaError) and exc.retriable


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded both in attempts and in total time."""

    initial: float = 0.05
    maximum: float = 2.0
    attempts: int = 8  # 0: no bound (nor a deadline): until it succeeds
    deadline: float = 15.0

    def retrying(self) -> AsyncRetrying:
        bounded = stop_after_attempt(self.attempts) | stop_after_delay(self.deadline)
        return AsyncRetrying(
            retry=retry_if_exception(is_retriable),
            wait=wait_random_exponential(multiplier=self.initial, max=self.maximum),
            stop=bounded if self.attempts else stop_never,
            reraise=True,
            before_sleep=_log_retry,
        )

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn`` until it succeeds, fails for good, or the policy runs out."""
        async for attempt in self.retrying():
            with attempt:
                return await fn()
        raise AssertionError("unreachable: tenacity reraises the last error")


DEFAULT = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)
LOOPS = RetryPolicy(initial=0.5, maximum=30.0, attempts=0)


async def keep_running(fn: Callable[[], Awaitable[None]], what: str) -> None:
    """Run ``fn``, a loop meant to live as long as its process, again each time it fails in a
    way waiting can fix (the bus or the store away): a tier started while Kafka is down serves
    at once, and the loop resumes when the broker answers. Any other error ends it, and the
    tier with it (``sigma.tiers.serve``)."""

    paused = _logger("loop paused", logging.WARNING, loop=what)
    async for attempt in LOOPS.retrying().copy(before_sleep=paused):
        with attempt:
            await fn()


def _logger(message: str, level: int, **extra: object) -> Callable[[RetryCallState], None]:
    """A ``before_sleep`` that logs ``message`` with the attempt and the error it retries."""

    def log(state: RetryCallState) -> None:
        from sigma.log import get_logger

        exc = state.outcome.exception() if state.outcome else None
        error = {"attempt": state.attempt_number, "error": repr(exc)}
        get_logger("sigma.retry").log(level, message, extra={**extra, **error})

    return log


_log_retry = _logger("retrying", logging.INFO)

"""The one place where aiokafka's exceptions become Sigma's (``raise ... from exc``).

Broker outages, leader moves and timeouts are ``Unavailable`` (retriable); a commit refused
because the group rebalanced is ``Conflict`` (the messages go to the partition's new owner);
bad topic settings are ``Invalid``; anything else aiokafka marks retriable is ``Unavailable``
and the rest ``Internal``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from aiokafka import errors as ke

from sigma.errors import (
    AlreadyExists,
    Conflict,
    Internal,
    Invalid,
    NotFound,
    PermissionDenied,
    SigmaError,
    Unavailable,
)

_TABLE: tuple[tuple[tuple[type[BaseException], ...], type[SigmaError]], ...] = (
    (
        (
            ke.CommitFailedError,
            ke.RebalanceInProgressError,
            ke.IllegalGenerationError,
            ke.UnknownMemberIdError,
        ),
        Conflict,
    ),
    (
        (
            ke.TopicAuthorizationFailedError,
            ke.GroupAuthorizationFailedError,
            ke.ClusterAuthorizationFailedError,
            ke.AuthenticationFailedError,
        ),
        PermissionDenied,
    ),
    (
        (
            ke.KafkaConnectionError,
            ke.KafkaTimeoutError,
            ke.NoBrokersAvailable,
            ke.NodeNotReadyError,
            ke.KafkaUnavailableError,
            ke.RequestTimedOutError,
            ke.ProducerClosed,
            TimeoutError,
            ConnectionError,
        ),
        Unavailable,
    ),
    ((ke.TopicAlreadyExistsError,), AlreadyExists),
    (
        (
            ke.InvalidTopicError,
            ke.InvalidPartitionsError,
            ke.InvalidReplicationFactorError,
            ke.InvalidConfigurationError,
            ke.PolicyViolationError,
            ke.MessageSizeTooLargeError,
            ke.RecordTooLargeError,
            ke.InvalidRequestError,
        ),
        Invalid,
    ),
    ((ke.UnknownTopicOrPartitionError,), NotFound),
)


def translate(exc: BaseException, action: str) -> SigmaError:
    """The Sigma error for ``exc``, raised while doing ``action`` (e.g. "publish to t")."""
    detail = f"kafka {action}: {type(exc).__name__}: {exc}"
    for types, cls in _TABLE:
        if isinstance(exc, types):
            if cls is Invalid:
                return Invalid("topic", detail)
            return cls(detail)
    if getattr(exc, "retriable", False):
        return Unavailable(detail)
    return Internal(detail)


@contextlib.contextmanager
def kafka_errors(action: str) -> Iterator[None]:
    """Translate what aiokafka raises inside the block; Sigma's own errors pass through."""
    try:
        yield
    except SigmaError:
        raise
    except (ke.KafkaError, TimeoutError, ConnectionError) as exc:
        raise translate(exc, action) from exc

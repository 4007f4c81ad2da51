"""A tier's log keeps error level for what needs a look: aiokafka's retried group-coordinator
lookups read as warnings, a lookup it gives up on stays an error."""

from __future__ import annotations

import io
import json
import logging

from aiokafka import errors

from sigma import log

MESSAGE = "Group Coordinator Request failed: %s"


def _levels(*errs: Exception) -> list[str]:
    out = io.StringIO()
    log.configure("info", tier="test", stream=out)
    for err in errs:
        logging.getLogger("aiokafka.consumer.group_coordinator").error(MESSAGE, err)
    return [json.loads(line)["level"] for line in out.getvalue().splitlines()]


def test_a_retried_coordinator_lookup_is_a_warning() -> None:
    retried, fatal = errors.CoordinatorNotAvailableError(), errors.GroupAuthorizationFailedError()
    assert retried.retriable and not fatal.retriable
    assert _levels(retried, fatal) == ["warning", "error"]


def test_other_errors_keep_their_level() -> None:
    out = io.StringIO()
    log.configure("info", tier="test", stream=out)
    logging.getLogger("aiokafka").error('Unable connect to "%s:%s": %s', "h", 1, "refused")
    log.get_logger("unit").error("boom")
    assert [json.loads(x)["level"] for x in out.getvalue().splitlines()] == ["error", "error"]

"""Every ``extra=`` a log call passes must leave LogRecord's own attributes alone.

``logging`` raises ``KeyError`` ("Attempt to overwrite 'created' in LogRecord") from the log
call itself when an extra key names one of them (``created``, ``name``, ``msg``, ``args``,
``module``, ...), and only when the level is enabled: a line that passes every test at the
default level can kill the loop that logs it in production.
"""

from __future__ import annotations

import ast
import logging

import pytest
from test_layering import ROOT
from test_sizes import hand_written

RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}


def clashes(source: str) -> list[tuple[int, str]]:
    """(line, key) for each constant key of an ``extra={...}`` literal that LogRecord owns."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "extra" and isinstance(keyword.value, ast.Dict):
                for key in keyword.value.keys:
                    if isinstance(key, ast.Constant) and key.value in RESERVED:
                        out.append((node.lineno, key.value))
    return out


def test_no_log_call_overwrites_a_record_attribute() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} extra key {key!r}"
        for path in hand_written()
        for line, key in clashes(path.read_text())
    ]
    assert found == []


def test_the_check_sees_a_clash_the_way_logging_would() -> None:
    source = 'log.info("done", extra={"app": "web", "created": ["web-0"]})'
    assert clashes(source) == [(1, "created")]
    logger = logging.getLogger("sigma.test.extras")
    logger.setLevel(logging.INFO)
    with pytest.raises(KeyError, match="created"):
        logger.info("done", extra={"created": ["web-0"]})

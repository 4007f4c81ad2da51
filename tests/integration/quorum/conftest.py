"""The quorum fault tests print their figures at the end of the session (see ``_figures``)."""

from __future__ import annotations

import pytest

from tests.integration.quorum._figures import summary_lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in summary_lines():
        terminalreporter.write_line(line)

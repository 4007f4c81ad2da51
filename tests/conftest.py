"""Session-wide fixtures: the real engines (started once, on loopback, only when a test asks).

`make test` runs the suite on two xdist workers (``-n 2 --dist loadgroup``), a module at a time
on a worker (its module fixtures, a ``sigma up`` for instance, serve its tests in order). The
modules below time recoveries and latencies, or need the machine's CPU to be mostly theirs (the
colocator grants batch room from measured usage): they run one after another on one worker,
while the other worker takes the rest.
"""

import os

import pytest

pytest_plugins = ["tests.plugins.engines"]

# Every apiserver a test starts as a command (``sigma apiserver``, ``sigma up``) leaves its
# Kubernetes door off unless the test asks for it: the default port is fixed, and tests run
# side by side. The door's own tests set it to a free port.
os.environ["SIGMA_KUBE_LISTEN"] = ""

ONE_AT_A_TIME = (
    "tests/chaos/",
    "tests/e2e/",
    "tests/integration/batch/",
    "tests/integration/quorum/",
    "tests/integration/slave/test_interference_bench.py",
    "tests/integration/slave/test_suppress_latency.py",
    "tests/partition/",
    "tests/soak/",
)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        alone = module.startswith(ONE_AT_A_TIME)
        item.add_marker(pytest.mark.xdist_group("one-at-a-time" if alone else module))

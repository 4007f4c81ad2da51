"""Session-wide fixtures: the real engines (started once, on loopback, only when a test asks)."""

import os

pytest_plugins = ["tests.plugins.engines"]

# Every apiserver a test starts as a command (``sigma apiserver``, ``sigma up``) leaves its
# Kubernetes door off unless the test asks for it: the default port is fixed, and tests run
# side by side. The door's own tests set it to a free port.
os.environ["SIGMA_KUBE_LISTEN"] = ""

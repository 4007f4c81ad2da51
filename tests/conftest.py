"""Session-wide fixtures: the real engines (started once, on loopback, only when a test asks)."""

pytest_plugins = ["tests.plugins.engines"]

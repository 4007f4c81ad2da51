"""Session-wide fixtures: the real engines (started once, on loopback, only when a test asks)."""

pytest_plugins = [
    "sigma.testing.etcd",
    "sigma.testing.kafka",
    "sigma.testing.registry",
    "sigma.testing.containerd",
]

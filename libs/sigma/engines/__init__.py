"""The real engines Sigma runs against, started on loopback by the project itself: etcd,
Kafka (KRaft), containerd and an image registry, each in a temporary folder of its own and
stopped cleanly. Tests share them per session (``tests/plugins/engines.py``); benchmarks and
``sigma up`` start their own.
"""

"""A chaos cluster whose engines fail to start leaves no engine behind (the leftover checks of
the tests after it would otherwise fail on a process that is not theirs)."""

from __future__ import annotations

from unittest.mock import patch

import pytest

from sigma.engines.kafka import KafkaEngine
from tests.chaos._cluster import Cluster, Shape, children_alive

pytestmark = pytest.mark.etcd


async def test_etcd_started_beside_a_kafka_that_failed_is_stopped() -> None:
    before = set(children_alive())

    def refuse(engine: KafkaEngine) -> KafkaEngine:
        raise RuntimeError("kafka.tools.StorageTool failed")

    with patch.object(KafkaEngine, "start", refuse), pytest.raises(RuntimeError, match="Storage"):
        async with Cluster.started(Shape()):
            pytest.fail("the cluster came up without Kafka")
    assert set(children_alive()) - before == set()

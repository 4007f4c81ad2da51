"""One user action followed across tiers by its request id: from the call's metadata to the
task it creates, the worker's logs, the pods, and the change stream's Kafka headers."""

from __future__ import annotations

import asyncio
import io
import json
import logging

from sigma import rpc
from sigma.apiserver.tier import build
from sigma.bus.memory import MemoryBus
from sigma.events import HEADER_REQUEST_ID, topic_for
from sigma.log import REQUEST_ID_ANNOTATION, JsonFormatter, request_id
from sigma.resources import POD, TASK, Repository
from sigma.rpc import RpcServer, ServerConfig
from sigma.store.memory import MemoryStore
from sigma.tiers import Context
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import app_pb2, meta_pb2, pod_pb2


def _app() -> app_pb2.App:
    app = app_pb2.App(meta=meta_pb2.ObjectMeta(namespace="default", name="shop"))
    app.spec.replicas = 2
    app.spec.qos_class = meta_pb2.QOS_CLASS_LS
    container = app.spec.template.containers.add(name="c", command=["true"])
    container.resources.requests.cpu_millis = 100
    container.resources.requests.memory_bytes = 1 << 20
    return app


async def test_a_request_id_reaches_the_task_its_pods_the_logs_and_the_stream() -> None:
    store, bus = MemoryStore(), MemoryBus()
    ctx = Context(store, bus)
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter("apiserver"))
    logging.getLogger("sigma").addHandler(handler)
    level = logging.getLogger("sigma").level
    logging.getLogger("sigma").setLevel(logging.INFO)
    server = RpcServer(await build(ctx), ServerConfig(port=0))
    await server.start()
    try:
        token = request_id.set("req-7f3a")  # what sigmactl would send as x-request-id
        async with rpc.channel(f"127.0.0.1:{server.port}") as channel:
            await rpc.unary(
                stubs.AppsStub(channel).Create,
                api.CreateAppRequest(namespace="default", app=_app()),
            )
        request_id.reset(token)

        pods: list[pod_pb2.Pod] = []
        async with asyncio.timeout(10):
            while len(pods) < 2:
                await asyncio.sleep(0.02)
                pods = await Repository(store, POD).list_all("default")
        for pod in pods:
            assert pod.meta.annotations[REQUEST_ID_ANNOTATION] == "req-7f3a"
        tasks = await Repository(store, TASK).list_all("default")
        assert [t.meta.annotations[REQUEST_ID_ANNOTATION] for t in tasks] == ["req-7f3a"]

        headers: list[bytes | None] = []
        async with await bus.consumer("test", [topic_for("Pod")]) as consumer:
            async with asyncio.timeout(10):
                while len(headers) < 2:
                    headers += [
                        m.header(HEADER_REQUEST_ID) for m in await consumer.fetch(timeout=0.1)
                    ]
        assert set(headers) == {b"req-7f3a"}
        worker_lines = [json.loads(x) for x in lines.getvalue().splitlines()]
        claimed = [x for x in worker_lines if x["msg"] == "claimed"]
        assert claimed and claimed[0]["request_id"] == "req-7f3a"
        done = [x for x in worker_lines if x["msg"].startswith("task ") and "task" in x]
        assert done and {x.get("request_id") for x in done} == {"req-7f3a"}, worker_lines
    finally:
        logging.getLogger("sigma").removeHandler(handler)
        logging.getLogger("sigma").setLevel(level)
        await server.stop()
        for task in ctx.tasks:
            task.cancel()
        await asyncio.gather(*ctx.tasks, return_exceptions=True)

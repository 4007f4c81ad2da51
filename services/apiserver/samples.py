"""Small valid objects of each kind: the starting point of tests, examples and demos.

Each builder returns a fresh message that passes ``sigma.apiserver.validation``, so a test
breaks exactly one field of it and expects exactly that field named in the error.
"""

from __future__ import annotations

from sigma.v1 import app_pb2, batch_pb2, interference_pb2, meta_pb2, node_pb2, pod_pb2


def template(qos: int = meta_pb2.QOS_CLASS_LS, cpu_millis: int = 500) -> pod_pb2.PodTemplate:
    return pod_pb2.PodTemplate(
        labels={"tier": "web"},
        qos_class=qos,  # type: ignore[arg-type]
        containers=[
            pod_pb2.Container(
                name="main",
                command=["python", "-m", "http.server"],
                resources=pod_pb2.ResourceRequirements(
                    requests=meta_pb2.ResourceList(cpu_millis=cpu_millis, memory_bytes=256 << 20)
                ),
            )
        ],
    )


def app(name: str = "web", replicas: int = 3, labels: dict[str, str] | None = None) -> app_pb2.App:
    return app_pb2.App(
        meta=meta_pb2.ObjectMeta(name=name, labels=labels or {"team": "shop"}),
        spec=app_pb2.AppSpec(
            replicas=replicas,
            template=template(),
            qos_class=meta_pb2.QOS_CLASS_LS,
            spread=app_pb2.SpreadPolicy(
                constraints=[app_pb2.SpreadConstraint(level=app_pb2.TOPOLOGY_LEVEL_HOST)]
            ),
        ),
    )


def batch_job(name: str = "etl") -> batch_pb2.BatchJob:
    be = meta_pb2.QOS_CLASS_BE
    return batch_pb2.BatchJob(
        meta=meta_pb2.ObjectMeta(name=name),
        spec=batch_pb2.BatchJobSpec(
            qos_class=be,
            tasks=[
                batch_pb2.BatchTask(name="extract", instances=2, template=template(be)),
                batch_pb2.BatchTask(
                    name="load", instances=1, depends_on=["extract"], template=template(be)
                ),
            ],
        ),
    )


def node(name: str = "node-1", cpu_millis: int = 8000) -> node_pb2.Node:
    return node_pb2.Node(
        meta=meta_pb2.ObjectMeta(name=name, labels={"zone": "a"}),
        spec=node_pb2.NodeSpec(
            capacity=meta_pb2.ResourceList(cpu_millis=cpu_millis, memory_bytes=16 << 30),
            allocatable=meta_pb2.ResourceList(cpu_millis=cpu_millis - 500, memory_bytes=15 << 30),
            topology=node_pb2.NodeTopology(host=name, chassis="c1", core_switch="s1"),
            cpu_count=cpu_millis // 1000,
        ),
    )


def interference_rule_set(
    name: str = "web", team: str = "team-a"
) -> interference_pb2.InterferenceRuleSet:
    """Two rules on ``team``'s Apps: web beside etl at most 2, web with itself at most 2."""
    out = interference_pb2.InterferenceRuleSet(meta=meta_pb2.ObjectMeta(name=name))
    out.spec.rules.add(app_a=f"{team}/web", app_b=f"{team}/etl", k=2)
    out.spec.rules.add(app_a=f"{team}/web", app_b=f"{team}/web", k=1)
    return out

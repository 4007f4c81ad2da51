"""Table rendering: alignment, units, ages, and what each kind's columns show."""

import json

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.ctl import _tables as T
from sigma.ctl._describe import condition_events, describe, events_table, explanation
from sigma.v1 import app_pb2, batch_pb2, event_pb2, meta_pb2, node_pb2, pod_pb2, scheduler_pb2

NOW = 1_000_000 * 10**9


def _ts(seconds_ago: int) -> Timestamp:
    ts = Timestamp()
    ts.FromNanoseconds(NOW - seconds_ago * 10**9)
    return ts


def test_render_aligns_columns_without_trailing_blanks() -> None:
    text = T.render(("NAME", "X"), [["a", "1"], ["longer", ""]])
    assert text.splitlines() == ["NAME     X", "a        1", "longer"]


def test_units_and_ages() -> None:
    assert [T.cpu(v) for v in (250, 1000, 1500, 1234)] == ["250m", "1", "1.5", "1.23"]
    assert [T.memory(v) for v in (512, 64 << 20, 1536 << 20, 24 << 30)] == [
        "512",
        "64Mi",
        "1.5Gi",
        "24Gi",
    ]
    assert [T.age(_ts(s), NOW) for s in (5, 90, 3 * 3600, 3 * 86400)] == ["5s", "1m", "3h", "3d"]
    assert T.age(Timestamp(), NOW) == "-"
    assert T.percent(1, 4) == "25%" and T.percent(1, 0) == "-"


def _pod(name: str, phase: int, node: str) -> pod_pb2.Pod:
    pod = pod_pb2.Pod(
        meta=meta_pb2.ObjectMeta(name=name, creation_timestamp=_ts(30)),
        spec=pod_pb2.PodSpec(node_name=node, owner_name="web", qos_class=meta_pb2.QOS_CLASS_LS),
        status=pod_pb2.PodStatus(phase=phase),
    )
    for cpu in (100, 150):
        c = pod.spec.template.containers.add(name=f"c{cpu}")
        c.resources.requests.cpu_millis = cpu
        c.resources.requests.memory_bytes = 32 << 20
    return pod


def test_pods_table_sums_container_requests() -> None:
    text = T.get_table("Pod", [_pod("web-0", pod_pb2.POD_PHASE_RUNNING, "n1")], NOW)
    header, row = text.splitlines()
    assert header.split() == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "NODE",
        "QOS",
        "OWNER",
        "REQUESTS",
        "AGE",
    ]
    assert row.split() == ["web-0", "0/2", "Running", "0", "n1", "LS", "web", "250m/64Mi", "30s"]


def test_pods_table_shows_crash_loops_restarts_and_stopping() -> None:
    looping = _pod("web-0", pod_pb2.POD_PHASE_RUNNING, "n1")
    looping.status.reason, looping.status.restart_count = "CrashLoopBackOff", 3
    for name, ready in (("c100", True), ("c150", False)):
        c = looping.status.container_statuses.add(name=name, ready=ready, restart_count=0)
    c.restart_count = 3
    c.last_termination.finished_at.CopyFrom(_ts(12))
    stopping = _pod("web-1", pod_pb2.POD_PHASE_RUNNING, "n1")
    stopping.meta.deletion_timestamp.CopyFrom(_ts(1))
    rows = [line.split() for line in T.get_table("Pod", [looping, stopping], NOW).splitlines()]
    assert rows[1][:5] == ["web-0", "1/2", "CrashLoopBackOff", "3", "(12s"]
    assert rows[2][:4] == ["web-1", "0/2", "Terminating", "0"]


def test_apps_table_shows_desired_target_and_the_budget_counts() -> None:
    app = app_pb2.App(meta=meta_pb2.ObjectMeta(name="web", creation_timestamp=_ts(60)))
    app.spec.replicas, app.spec.min_replicas = 4, 1
    app.spec.time_sharing.enabled = True
    st = app.status
    st.time_sharing_replicas, st.replicas, st.ready_replicas, st.available_replicas = 2, 3, 2, 1
    header, row = (line.split() for line in T.get_table("App", [app], NOW).splitlines())
    assert header[:6] == ["NAME", "DESIRED", "TARGET", "CURRENT", "READY", "AVAILABLE"]
    assert row == ["web", "4", "2", "3", "2", "1", "0", "-", "1..4", "1m"]


def test_nodes_and_top_nodes() -> None:
    node = node_pb2.Node(meta=meta_pb2.ObjectMeta(name="n1"))
    node.spec.unschedulable = True
    node.spec.capacity.cpu_millis, node.spec.capacity.memory_bytes = 4000, 8 << 30
    node.spec.allocatable.cpu_millis = 3500
    node.status.phase = node_pb2.NODE_PHASE_NOT_READY
    node.status.usage.cpu_millis, node.status.usage.online_cpu_millis = 2000, 1200
    node.status.usage.batch_cpu_millis, node.status.usage.system_cpu_millis = 500, 300
    node.status.batch_capacity.cpu_millis = 800
    node.status.allocated.batch.cpu_millis = 300
    assert T.get_table("Node", [node], NOW).splitlines()[1].split()[:3] == [
        "n1",
        "NotReady,Cordoned",
        "3.5",
    ]
    idle = node_pb2.Node(meta=meta_pb2.ObjectMeta(name="n2"))
    rows = [line.split() for line in T.top_nodes([node, idle]).splitlines()[1:]]
    # One unit a column: millicores throughout, never 1.2 above 0m.
    assert rows[0][:6] == ["n1", "2000m", "50%", "1200m", "500m", "300m"]
    assert rows[1][:6] == ["n2", "0m", "-", "0m", "0m", "0m"]
    assert rows[0][-2:] == ["800m/0", "300m/0"]
    running = [_pod(n, pod_pb2.POD_PHASE_RUNNING, "n1") for n in ("p", "q")]
    for pod in running:
        pod.meta.namespace = "default"
    used = {
        "default/p": event_pb2.PodUsage(pod_key="default/p", cpu_millis=180, memory_bytes=40 << 20)
    }
    pods = T.top_pods(running, used)
    assert pods.splitlines()[0].split() == list(T.TOP_PODS)
    # Measured beside requested; a pod without a fresh report shows "-", never a guess.
    assert pods.splitlines()[1].split() == ["p", "n1", "LS", "180m", "250m", "40Mi", "64Mi"]
    assert pods.splitlines()[2].split() == ["q", "n1", "LS", "-", "250m", "-", "64Mi"]
    everywhere = T.top_pods(running[:1], used, namespaces=True).splitlines()
    assert everywhere[0].split()[0] == "NAMESPACE" and everywhere[1].split()[:2] == ["default", "p"]


def test_describe_prints_phases_as_the_tables_do() -> None:
    job = batch_pb2.BatchJob(meta=meta_pb2.ObjectMeta(name="etl"))
    job.status.phase = batch_pb2.BATCH_JOB_PHASE_FAILED
    job.status.tasks.add(name="extract", phase=batch_pb2.BATCH_TASK_PHASE_SUCCEEDED)
    text = describe("BatchJob", job, now_ns=NOW)
    assert "  phase: Failed\n" in text and "phase: Succeeded" in text
    assert "FAILED" not in text and "SUCCEEDED" not in text
    assert T.get_table("BatchJob", [job], NOW).splitlines()[1].split()[1] == "Failed"


def test_events_sorted_oldest_first_and_explain_names_the_failing_filter() -> None:
    late = meta_pb2.Condition(type="Ready", status=1, last_transition_time=_ts(5))
    early = meta_pb2.Condition(type="PodScheduled", status=1, last_transition_time=_ts(50))
    lines = events_table(condition_events("pod/p", [late, early]), NOW).splitlines()
    assert [line.split()[2] for line in lines[1:]] == ["PodScheduled", "Ready"]
    reply = scheduler_pb2.ExplainResponse(chosen_node="a", nodes_evaluated=2)
    ok = reply.nodes.add(node_name="a", feasible=True, total=12.5)
    ok.scores.add(plugin="LeastAllocated", weighted=12.5)
    bad = reply.nodes.add(node_name="b")
    bad.filters.add(plugin="Fit", ok=False, reason="Insufficient cpu")
    text = explanation(reply, "default/p")
    assert "\nb      no         -       Fit: Insufficient cpu\n" in text
    assert text.endswith("Chosen: a")


def test_a_layout_keeps_later_rows_under_the_header_printed_before_them() -> None:
    layout = T.Layout(("EVENT", "NAME", "PHASE"))
    layout.fit(["MODIFIED", "", "SUCCEEDED"])  # widths known in advance
    first = layout.text(["EVENT", "NAME", "PHASE"], ["ADDED", "web-0", "RUNNING"])
    later = layout.text(["MODIFIED", "web-0", "SUCCEEDED"])
    header, row = first.splitlines()
    assert header.index("NAME") == row.index("web-0") == later.index("web-0")
    assert header.index("PHASE") == row.index("RUNNING") == later.index("SUCCEEDED")
    assert layout.printed == 3
    wider = layout.text(["DELETED", "a-much-longer-pod-name", "FAILED"])
    assert wider.index("FAILED") > header.index("PHASE")  # a wider cell widens its column


def test_json_output_is_the_dialect_of_the_change_stream() -> None:
    """One JSON dialect: sigmactl -o json prints an object as the JSON change stream sends it."""
    from sigma.ctl._kinds import PODS
    from sigma.ctl._output import Output, render
    from sigma.events import Encoding, encode

    pod = _pod("web-0", pod_pb2.POD_PHASE_RUNNING, "n1")
    pod.meta.resource_version = 42
    printed = json.loads(render(PODS, [pod], Output("json"), single=True))
    value, _ = encode(event_pb2.Event(kind="Pod", pod=pod), Encoding.JSON)
    assert printed == json.loads(value)["pod"]
    assert (
        printed["meta"]["resourceVersion"] == "42" and printed["spec"]["qosClass"] == "QOS_CLASS_LS"
    )
    assert json.loads(render(PODS, [pod, pod], Output("json"), single=False)) == {
        "items": [printed, printed]
    }

"""The real kubectl against ``sigma up``'s Kubernetes API, with the kubeconfig ``sigmactl config
kubeconfig`` wrote: discovery, tables, apply twice, scale and rollout, a deleted pod replaced,
cordon, watch, explain, logs, a refused object, a Job and Sigma's own kinds."""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

import pytest

from sigma.testing.wait import eventually_sync
from tests.integration.kube.conftest import Cluster

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: main
          command:
            - python3
            - -c
            - "import time\\nprint('hello from {name}', flush=True)\\nwhile True: time.sleep(1)"
          resources:
            requests: {{cpu: {cpu}, memory: 16Mi}}
"""
JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  completions: 1
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          command: ["python3", "-c", "print('done')"]
          resources:
            requests: {cpu: 50m, memory: 16Mi}
"""


def manifest(tmp_path: Path, name: str, replicas: int = 2, cpu: str = "50m") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(DEPLOYMENT.format(name=name, replicas=replicas, cpu=cpu))
    return path


def as_json(cluster: Cluster, *args: str) -> Any:
    return json.loads(cluster.kubectl(*args, "-o", "json").stdout)


def running(cluster: Cluster, selector: str) -> list[str]:
    pods = as_json(cluster, "get", "pods", "-l", selector)["items"]
    return sorted(p["metadata"]["name"] for p in pods if p["status"]["phase"] == "Running")


def test_version_and_api_resources(cluster: Cluster) -> None:
    version = as_json(cluster, "version")
    assert "sigma" in version["serverVersion"]["gitVersion"]
    resources = cluster.kubectl("api-resources").stdout
    for line in ("deployments", "deploy", "apps/v1", "jobs", "batch/v1", "sigma.io/v1"):
        assert line in resources, resources


def test_get_wide_tables(cluster: Cluster) -> None:
    nodes = cluster.kubectl("get", "nodes", "-o", "wide").stdout
    assert nodes.split("\n")[0].split()[:3] == ["NAME", "STATUS", "ROLES"]
    assert "INTERNAL-IP" in nodes and "Ready" in nodes
    pods = cluster.kubectl("get", "pods", "-o", "wide", "-l", "app=web").stdout
    header, *rows = pods.strip().split("\n")
    assert "NODE" in header and "QOS" in header
    assert rows and all("Running" in r and " LS" in r for r in rows), pods
    apps = cluster.kubectl("get", "apps.sigma.io").stdout
    assert "TIME-SHARING" in apps and "web" in apps


def test_apply_twice_scale_and_rollout(cluster: Cluster, tmp_path: Path) -> None:
    path = manifest(tmp_path, "hello")
    assert "deployment.apps/hello created" in cluster.kubectl("apply", "-f", str(path)).stdout
    assert "unchanged" in cluster.kubectl("apply", "-f", str(path)).stdout
    cluster.kubectl("scale", "deploy", "hello", "--replicas", "3")
    done = cluster.kubectl("rollout", "status", "deploy/hello", "--timeout", "60s")
    assert "successfully rolled out" in done.stdout
    assert len(running(cluster, "app=hello")) == 3
    deployment = as_json(cluster, "get", "deploy", "hello")
    assert deployment["spec"]["replicas"] == 3
    assert deployment["status"]["availableReplicas"] == 3


def test_a_template_change_rolls_out(cluster: Cluster, tmp_path: Path) -> None:
    """``kubectl set env`` patches the template: the App is upgraded, every pod replaced, and
    ``rollout status`` waits for it through the status the controller writes."""
    cluster.kubectl("apply", "-f", str(manifest(tmp_path, "rolled", replicas=2)))
    cluster.kubectl("rollout", "status", "deploy/rolled", "--timeout", "60s")
    before = {
        p["metadata"]["uid"] for p in as_json(cluster, "get", "pods", "-l", "app=rolled")["items"]
    }
    cluster.kubectl("set", "env", "deploy/rolled", "COLOR=blue")
    done = cluster.kubectl("rollout", "status", "deploy/rolled", "--timeout", "60s")
    assert "successfully rolled out" in done.stdout
    pods = [
        p
        for p in as_json(cluster, "get", "pods", "-l", "app=rolled")["items"]
        if p["status"]["phase"] == "Running" and not p["metadata"].get("deletionTimestamp")
    ]
    assert len(pods) == 2 and not before & {p["metadata"]["uid"] for p in pods}
    for p in pods:
        assert p["spec"]["containers"][0]["env"] == [{"name": "COLOR", "value": "blue"}]


def test_deleted_pod_is_replaced(cluster: Cluster, tmp_path: Path) -> None:
    cluster.kubectl("apply", "-f", str(manifest(tmp_path, "keep")))
    before = eventually_sync(
        lambda: running(cluster, "app=keep") if len(running(cluster, "app=keep")) == 2 else None,
        timeout=60,
        what="two pods run",
    )
    cluster.kubectl("delete", "pod", before[0])
    after = eventually_sync(
        lambda: (r := running(cluster, "app=keep")) and len(r) == 2 and before[0] not in r and r,
        timeout=60,
        what="the replica controller replaces the deleted pod",
    )
    assert before[1] in after


def test_cordon_and_uncordon(cluster: Cluster) -> None:
    name = next(
        n["metadata"]["name"]
        for n in as_json(cluster, "get", "nodes")["items"]
        if not n["spec"].get("unschedulable")
    )
    assert "cordoned" in cluster.kubectl("cordon", name).stdout
    node = as_json(cluster, "get", "node", name)
    assert node["spec"]["unschedulable"] is True
    assert "SchedulingDisabled" in cluster.kubectl("get", "node", name).stdout
    cluster.kubectl("uncordon", name)
    assert not as_json(cluster, "get", "node", name)["spec"].get("unschedulable")


def test_watch_sees_a_change(cluster: Cluster, tmp_path: Path) -> None:
    cluster.kubectl("apply", "-f", str(manifest(tmp_path, "watched", replicas=1)))
    watch_until(
        cluster,
        ("deploy", "watched"),
        lambda: cluster.kubectl("scale", "deploy", "watched", "--replicas", "2"),
        lambda line: "MODIFIED" in line and "/2" in line,
    )


def watch_until(
    cluster: Cluster, what: tuple[str, ...], act: Any, seen: Any, timeout: float = 30
) -> list[str]:
    """``kubectl get WHAT -w``: after its listing, ``act()``, then read until a line is
    ``seen``; the lines read. A thread reads the pipe: ``select`` on a buffered pipe would
    wait for lines that an earlier ``readline`` already pulled into the buffer."""
    watch = cluster.popen("get", *what, "-w", "--output-watch-events")
    assert watch.stdout is not None
    printed: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(watch.stdout, printed))
    reader.start()
    try:
        lines = [_line(printed, 20)]  # the listing first
        act()
        deadline = time.monotonic() + timeout
        while not any(seen(line) for line in lines):
            assert time.monotonic() < deadline, lines
            lines.append(_line(printed, deadline - time.monotonic()))
        return lines
    finally:
        watch.kill()
        watch.wait()
        reader.join()
        watch.stdout.close()


def _pump(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def _line(printed: queue.Queue[str], timeout: float) -> str:
    try:
        return printed.get(timeout=max(timeout, 0.01))
    except queue.Empty:
        raise AssertionError("kubectl get -w printed nothing") from None


def test_explain(cluster: Cluster) -> None:
    out = cluster.kubectl("explain", "deployment.spec.replicas").stdout
    assert "KIND:       Deployment" in out and "<integer>" in out
    out = cluster.kubectl("explain", "deployment.spec.template.spec.containers").stdout
    assert "  resources\t" in out and "  ports\t" not in out  # only what Sigma takes


def test_an_invalid_object_is_a_422_naming_the_field(cluster: Cluster, tmp_path: Path) -> None:
    path = manifest(tmp_path, "bad", cpu="lots")
    refused = cluster.kubectl("apply", "-f", str(path), code=1)
    field = "spec.template.spec.containers[0].resources.requests.cpu"
    assert 'The Deployment "bad" is invalid' in refused.stderr and field in refused.stderr
    body = json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "bad"},
            "spec": {"replicaz": 1},
        }
    ).encode()
    request = urllib.request.Request(
        f"{cluster.server}/apis/apps/v1/namespaces/default/deployments",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused_http:
        urllib.request.urlopen(request, timeout=10)
    assert refused_http.value.code == 422
    status = json.loads(refused_http.value.read())
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == "spec.replicaz"
    assert "bad" not in cluster.kubectl("get", "deploy").stdout  # nothing half-written


def test_logs(cluster: Cluster, tmp_path: Path) -> None:
    cluster.kubectl("apply", "-f", str(manifest(tmp_path, "talker", replicas=1)))
    pod = eventually_sync(lambda: running(cluster, "app=talker"), timeout=60, what="it runs")[0]
    said = eventually_sync(
        lambda: "hello from talker" in (out := cluster.kubectl("logs", pod).stdout) and out,
        timeout=30,
        what="the container's line in its log",
    )
    assert said.strip() == "hello from talker"


def test_job_and_delete(cluster: Cluster, tmp_path: Path) -> None:
    """The Job runs as batch, in whatever room online leaves: on a busy machine that may be
    none for a while, so what is checked is the mapping, not how soon it completes."""
    path = tmp_path / "job.yaml"
    path.write_text(JOB)
    assert "job.batch/once created" in cluster.kubectl("create", "-f", str(path)).stdout
    job = as_json(cluster, "get", "job", "once")
    assert job["spec"]["completions"] == 1 and job["spec"]["backoffLimit"] == 6
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    header = cluster.kubectl("get", "job", "once").stdout.split("\n")[0].split()
    assert header == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    batch = as_json(cluster, "get", "batchjobs.sigma.io", "once")
    assert batch["spec"]["tasks"][0]["instances"] == 1
    cluster.kubectl("delete", "job", "once")
    eventually_sync(
        lambda: "once" not in cluster.kubectl("get", "jobs").stdout, timeout=30, what="it goes"
    )


def test_server_side_apply(cluster: Cluster, tmp_path: Path) -> None:
    path = manifest(tmp_path, "ssa", replicas=1)
    out = cluster.kubectl("apply", "--server-side", "-f", str(path)).stdout
    assert "deployment.apps/ssa serverside-applied" in out
    path.write_text(path.read_text().replace("replicas: 1", "replicas: 2"))
    cluster.kubectl("apply", "--server-side", "-f", str(path))
    assert as_json(cluster, "get", "deploy", "ssa")["spec"]["replicas"] == 2


def running_uids(cluster: Cluster, selector: str) -> dict[str, str]:
    pods = as_json(cluster, "get", "pods", "-l", selector)["items"]
    return {
        p["metadata"]["uid"]: p["metadata"]["name"]
        for p in pods
        if p["status"]["phase"] == "Running" and not p["metadata"].get("deletionTimestamp")
    }


def test_eviction_and_what_is_not_served(cluster: Cluster, tmp_path: Path) -> None:
    """``pods/eviction`` (policy/v1, what kubectl drain posts) goes through the App's budget
    and the pod is replaced; a verb a kind does not take is a 405, an Orphan delete a 422."""
    cluster.kubectl("apply", "-f", str(manifest(tmp_path, "evicted", replicas=2)))
    before = eventually_sync(
        lambda: (r := running_uids(cluster, "app=evicted")) and len(r) == 2 and r,
        timeout=60,
        what="two pods run",
    )
    uid, name = next(iter(before.items()))
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}}
    request = urllib.request.Request(
        f"{cluster.server}/api/v1/namespaces/default/pods/{name}/eviction",
        data=json.dumps(eviction).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201
    eventually_sync(
        lambda: (r := running_uids(cluster, "app=evicted")) and len(r) == 2 and uid not in r,
        timeout=60,
        what="the evicted pod is replaced",
    )
    refused = cluster.kubectl("run", "x", "--image=busybox", code=1)
    assert "MethodNotAllowed" in refused.stderr
    orphan = cluster.kubectl("delete", "deploy", "evicted", "--cascade=orphan", code=1)
    assert "propagationPolicy" in orphan.stderr
    cluster.kubectl("delete", "deploy", "evicted")
    eventually_sync(
        lambda: not running(cluster, "app=evicted"), timeout=60, what="its pods go with it"
    )


def test_drain_evicts_and_the_replacement_waits_for_uncordon(
    cluster: Cluster, tmp_path: Path
) -> None:
    """``kubectl drain`` cordons the node and evicts through ``pods/eviction``; the App's
    replacement pod cannot be placed until the node is uncordoned."""
    cluster.kubectl("apply", "-f", str(manifest(tmp_path, "drained", replicas=1)))
    (before,) = eventually_sync(
        lambda: running_uids(cluster, "app=drained"), timeout=60, what="its pod runs"
    )
    node = as_json(cluster, "get", "pods", "-l", "app=drained")["items"][0]["spec"]["nodeName"]
    try:
        drained = cluster.kubectl(
            "drain", node, "--pod-selector", "app=drained", "--timeout", "60s"
        )
        assert "evicted" in drained.stdout and f"node/{node} drained" in drained.stdout
        assert as_json(cluster, "get", "node", node)["spec"]["unschedulable"] is True
        eventually_sync(
            lambda: "Unschedulable" in cluster.kubectl("get", "pods", "-l", "app=drained").stdout,
            timeout=30,
            what="the replacement waits for room",
        )
    finally:
        cluster.kubectl("uncordon", node)
    eventually_sync(
        lambda: (r := running_uids(cluster, "app=drained")) and before not in r,
        timeout=60,
        what="the replacement runs once the node is back",
    )


RULE_SET = """\
apiVersion: sigma.io/v1
kind: InterferenceRuleSet
metadata: {{name: {name}, labels: {{owner: sre}}}}
spec:
  rules:
    - {{appA: default/web, appB: default/etl, k: {k}}}
    - {{appA: default/web, appB: default/web, k: 9}}
"""


def test_interference_rule_sets_through_kubectl(cluster: Cluster, tmp_path: Path) -> None:
    resources = cluster.kubectl("api-resources", "--api-group", "sigma.io").stdout
    row = next(line for line in resources.splitlines() if line.startswith("interferencerulesets"))
    assert row.split()[:4] == ["interferencerulesets", "irs", "sigma.io/v1", "false"]
    path = tmp_path / "rules.yaml"
    path.write_text(RULE_SET.format(name="kube-rules", k=5))
    created = cluster.kubectl("create", "-f", str(path)).stdout
    assert created == "interferenceruleset.sigma.io/kube-rules created\n"
    table = cluster.kubectl("get", "interferencerulesets.sigma.io").stdout.splitlines()
    assert table[0].split() == ["NAME", "RULES", "AGE"]
    rows = {line.split()[0]: line.split()[1] for line in table[1:]}
    assert rows == {"demo-rules": "1", "kube-rules": "2"}  # the demo's set, and this one
    got = as_json(cluster, "get", "irs", "kube-rules")
    assert got["metadata"]["labels"] == {"owner": "sre"} and "namespace" not in got["metadata"]
    assert got["spec"]["rules"][0] == {"appA": "default/web", "appB": "default/etl", "k": 5}

    path.write_text(RULE_SET.format(name="kube-rules", k=2))
    cluster.kubectl("apply", "-f", str(path))  # a replace of the stored set
    assert as_json(cluster, "get", "irs", "kube-rules")["spec"]["rules"][0]["k"] == 2

    path.write_text(RULE_SET.format(name="bad-rules", k=-1))
    refused = cluster.kubectl("create", "-f", str(path), code=1)
    assert refused.stderr.startswith(
        'The InterferenceRuleSet "bad-rules" is invalid: spec.rules[0].k: must be a whole number'
    )

    watch_until(
        cluster,
        ("irs",),
        lambda: cluster.kubectl("delete", "irs", "kube-rules"),
        lambda line: "DELETED" in line and "kube-rules" in line,
    )
    gone = cluster.kubectl("get", "irs", "kube-rules", code=1)
    assert "NotFound" in gone.stderr or "not found" in gone.stderr

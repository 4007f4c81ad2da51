"""The kubectl habits against `sigma up` on free ports, each command as a user runs it.

One cluster for the module (it takes seconds to start), its slave on the simulated runtime so
the machine's own load cannot keep batch off it: an App whose budget allows no
disruption (``minAvailable`` = replicas), a long batch job, and a second team's App. Then
dry runs, rollout status, wait, get -A / -o / --sort-by / events, top pods with measured
usage, label and annotate, cordon, drain (batch only: drained; everything: held by the
budget, exit 2), contexts and completion of object names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigma.testing.wait import eventually_sync
from tests.integration.ctl._up import clean_env, ctl, sigma_up, tab

MANIFESTS = """\
apiVersion: sigma.io/v1
kind: App
metadata: {name: api, labels: {team: shop}}
spec:
  replicas: 2
  minAvailable: 2
  qosClass: LS
  template:
    terminationGracePeriod: 1s
    containers:
      - name: server
        command: ["python3", "-c", "import time; time.sleep(10**6)"]
        resources: {requests: {cpuMillis: 50, memoryBytes: 33554432}}
---
apiVersion: sigma.io/v1
kind: BatchJob
metadata: {name: crunch}
spec:
  qosClass: BE
  tasks:
    - name: work
      instances: 2
      template:
        terminationGracePeriod: 1s
        containers:
          - name: work
            command: ["python3", "-c", "import time; time.sleep(10**6)"]
            resources: {requests: {cpuMillis: 50, memoryBytes: 16777216}}
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("home")
    out = clean_env(home)
    out["SIGMA_NAMESPACES"] = "default,ads,system"  # the apiserver's teams
    out["SIGMA_USAGE_INTERVAL"] = "1"  # the slave reports usage every second
    # A simulated 32-CPU node: what the machine's other load leaves for batch does not decide
    # whether the batch job runs (its pods are virtual; the API, tasks and usage are real).
    out["SIGMA_RUNTIME"] = "simulated"
    out["SIGMA_NODE"] = "sim-node"
    (home / "manifests.yaml").write_text(MANIFESTS)
    with sigma_up(out) as proc:
        yield out
        proc.terminate()
        proc.wait(timeout=30)


def manifests(env: dict[str, str]) -> str:
    return str(Path(env["XDG_CONFIG_HOME"]) / "manifests.yaml")


def test_dry_runs_write_nothing_then_apply_and_follow_the_rollout(env: dict[str, str]) -> None:
    client = ctl(env, "apply", "-f", manifests(env), "--dry-run=client").stdout.splitlines()
    assert client == ["app/api created (dry run)", "batchjob/crunch created (dry run)"]
    server = ctl(env, "apply", "-f", manifests(env), "--dry-run=server", "-o", "json").stdout
    calls = json.loads(server)
    assert [c["method"] for c in calls] == ["sigma.v1.Apps/Create", "sigma.v1.BatchJobs/Create"]
    assert calls[0]["request"]["dryRun"] and calls[0]["response"]["task"]["meta"]["name"]
    assert "No apps in namespace default." in ctl(env, "get", "apps").stderr
    applied = ctl(env, "apply", "-f", manifests(env)).stdout.splitlines()
    assert applied == ["app/api created", "batchjob/crunch created"]
    ctl(env, "-n", "ads", "apply", "-f", manifests(env))

    status = ctl(env, "rollout", "status", "app", "api", "--timeout", "60").stdout
    assert status.splitlines()[-1] == 'app "api" successfully rolled out'
    ready = ctl(env, "wait", "--for=condition=Ready", "pods", "-l", "sigma.io/app=api").stdout
    assert sorted(ready.splitlines()) == ["pod/api-0 condition met", "pod/api-1 condition met"]
    running = ctl(
        env,
        "wait",
        "--for=jsonpath={.status.phase}=Running",
        "pods",
        "-l",
        "sigma.io/batch-job=crunch",
        "--timeout",
        "60",
    ).stdout
    assert len(running.splitlines()) == 2

    scaled = ctl(env, "scale", "app", "api", "--replicas", "5", "--dry-run=server").stdout
    assert scaled.startswith("app/api scaled to 5") and scaled.endswith("(server dry run)\n")
    kept = ctl(env, "get", "app", "api", "-o", "jsonpath={.spec.replicas}").stdout
    assert kept == "2"
    gone = ctl(env, "delete", "pod", "api-0", "--dry-run=server").stdout
    assert gone == "pod/api-0 deleted (server dry run)\n"
    ctl(env, "wait", "--for=condition=Ready", "pod/api-0", "--timeout", "1")  # still there
    timed_out = ctl(env, "wait", "--for=delete", "pod/api-0", "--timeout", "1", code=1)
    assert timed_out.stderr == "sigmactl: timed out waiting for the condition on pod/api-0\n"


def test_get_every_namespace_in_every_form(env: dict[str, str]) -> None:
    wide = ctl(env, "get", "apps", "-A", "-o", "wide").stdout.splitlines()
    assert wide[0].split()[:2] == ["NAMESPACE", "NAME"] and wide[0].split()[-1] == "SELECTOR"
    assert sorted(line.split()[0] for line in wide[1:]) == ["ads", "default"]
    names = ctl(env, "get", "pods", "-l", "sigma.io/app=api", "-o", "name").stdout
    assert names.splitlines() == ["pod/api-0", "pod/api-1"]
    template = '{range .items[*]}{.meta.namespace}/{.meta.name}{"\\n"}{end}'
    listed = ctl(env, "get", "apps", "-A", "-o", f"jsonpath={template}").stdout
    assert sorted(listed.splitlines()) == ["ads/api", "default/api"]
    newest_first = ctl(
        env,
        "get",
        "pods",
        "--sort-by",
        "{.spec.qosClass}",
        "-o",
        "jsonpath={.items[*].spec.qosClass}",
    ).stdout.split()
    assert newest_first == sorted(newest_first) and "QOS_CLASS_BE" in newest_first
    events = ctl(env, "get", "events", "-A", "--for", "pod/api-0", "-o", "wide").stdout
    assert events.splitlines()[0].split()[-2:] == ["FIRST-SEEN", "SOURCE"]
    assert "pod/api-0" in events and "Started" in events


def test_top_pods_shows_measured_usage_beside_requests(env: dict[str, str]) -> None:
    def measured() -> list[list[str]]:
        rows = [line.split() for line in ctl(env, "top", "pods").stdout.splitlines()]
        api = [r for r in rows[1:] if r[0].startswith("api-")]
        return rows if api and all(r[3] != "-" and r[5] != "-" for r in api) else []

    rows = eventually_sync(
        measured,
        timeout=60,
        what="the colocator to hold measured usage of the api pods",
        interval=1.0,
    )
    assert rows[0] == ["NAME", "NODE", "QOS", "CPU", "CPU-REQUEST", "MEMORY", "MEMORY-REQUEST"]
    api = next(r for r in rows if r[0] == "api-0")
    assert api[3].endswith("m") and api[4] == "50m" and api[6] == "32Mi"
    everywhere = ctl(env, "top", "pods", "-A").stdout.splitlines()
    assert everywhere[0].startswith("NAMESPACE") and any(r.startswith("ads") for r in everywhere)


def test_label_and_annotate(env: dict[str, str]) -> None:
    generation = ctl(env, "get", "app", "api", "-o", "jsonpath={.meta.generation}").stdout
    assert ctl(env, "label", "pod", "api-0", "tier=gold").stdout == "pod/api-0 labeled\n"
    refused = ctl(env, "label", "pod/api-0", "tier=silver", code=2)
    assert refused.stderr == (
        "sigmactl: label 'tier' already has a value ('gold'); --overwrite replaces it\n"
    )
    ctl(env, "label", "pod/api-0", "tier=silver", "--overwrite")
    assert ctl(env, "get", "pods", "-l", "tier=silver", "-o", "name").stdout == "pod/api-0\n"
    system = ctl(env, "label", "pod", "api-0", "sigma.io/app=x", "--overwrite", code=2).stderr
    assert "keys under sigma.io/ belong to the system" in system
    stale = ctl(env, "label", "app", "api", "owner=ana", "--resource-version", "1", code=2)
    assert "is at version" in stale.stderr
    assert ctl(env, "annotate", "app", "api", "owner=ana").stdout == "app/api annotated\n"
    assert ctl(env, "annotate", "app", "api", "owner=ana").stdout == "app/api not annotated\n"
    assert ctl(env, "annotate", "app", "api", "--list").stdout == "owner=ana\n"
    ctl(env, "label", "app", "api", "team-")
    assert ctl(env, "label", "app", "api", "--list").stdout == "\n"
    after = ctl(env, "get", "app", "api", "-o", "jsonpath={.meta.generation}").stdout
    assert after == generation  # metadata is not spec


def test_cordon_and_drain_batch_then_held_by_the_budget(env: dict[str, str]) -> None:
    node = ctl(env, "get", "nodes", "-o", "jsonpath={.items[0].meta.name}").stdout
    assert ctl(env, "cordon", node).stdout == f"node/{node} cordoned\n"
    assert ctl(env, "cordon", node).stdout == f"node/{node} already cordoned\n"
    assert "Ready,Cordoned" in ctl(env, "get", "nodes").stdout
    ctl(env, "uncordon", node)

    drained = ctl(env, "drain", node, "--batch-only", "--timeout", "60").stdout.splitlines()
    assert drained[0] == f"node/{node} cordoned" and drained[-1] == f"node/{node} drained"
    evicted = sorted(line for line in drained if line.startswith("evicting pod "))
    assert len(evicted) == 4 and all("/crunch-work-" in line for line in evicted)  # two teams
    api = ctl(
        env, "get", "pods", "-l", "sigma.io/app=api", "-o", "jsonpath={.items[*].status.phase}"
    )
    assert api.stdout.split() == ["POD_PHASE_RUNNING", "POD_PHASE_RUNNING"]  # online stayed

    held = ctl(env, "drain", node, "--timeout", "3", code=2)
    assert held.stdout.startswith(f"node/{node} already cordoned\n")
    assert (
        "cannot evict pod default/api-0 yet (retrying every 1s): disruption budget" in held.stdout
    )
    assert "left: pod default/api-0: disruption budget: App default/api" in held.stdout
    assert held.stderr == f"sigmactl: node/{node} not drained after 3s: 4 pods left\n"
    assert ctl(env, "uncordon", node).stdout == f"node/{node} uncordoned\n"


def test_contexts_and_completing_object_names(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[contexts.here]\napiserver = "{env["SIGMA_APISERVER"]}"\n'
        '[contexts.gone]\napiserver = "127.0.0.1:1"\n'
    )
    mine = {k: v for k, v in env.items() if k != "SIGMA_APISERVER"}
    mine["SIGMACTL_CONFIG"] = str(config)
    ctl(mine, "config", "use-context", "here")
    assert ctl(mine, "get", "apps", "-o", "name").stdout == "app/api\n"
    down = ctl(mine, "--context", "gone", "--timeout", "2", "get", "apps", code=2).stderr
    assert down.startswith("sigmactl: cannot reach the apiserver at 127.0.0.1:1")

    answer = tmp_path / "answer"
    assert tab("sigmactl dr", env, answer) == ["drain"]
    assert tab("sigmactl get p", env, answer) == ["pods"]
    assert tab("sigmactl drain sim-node --b", env, answer) == ["--batch-only"]
    assert tab("sigmactl describe pod api-", env, answer) == ["api-0", "api-1"]
    assert tab("sigmactl -n ads get apps a", env, answer) == ["api"]
    down = {**env, "SIGMA_APISERVER": "127.0.0.1:1"}
    assert tab("sigmactl describe pod api-", down, answer) == []  # nothing, and no trace


RULES = """\
apiVersion: sigma.io/v1
kind: InterferenceRuleSet
metadata: {name: noisy, labels: {owner: sre}}
spec:
  rules:
    - {appA: default/api, appB: ads/api, k: 4}
    - {appA: default/api, appB: default/api, k: 3}
"""


def test_interference_rule_sets_apply_get_describe_and_delete(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    assert ctl(env, "apply", "-f", str(path)).stdout == "interferenceruleset/noisy created\n"
    assert ctl(env, "apply", "-f", str(path)).stdout == "interferenceruleset/noisy unchanged\n"
    table = ctl(env, "get", "irs").stdout.splitlines()
    assert table[0].split() == ["NAME", "RULES", "PODS-OVER", "AGE"]
    assert table[1].split()[:2] == ["noisy", "2"]
    path.write_text(RULES.replace("k: 4", "k: 1"))
    assert (
        ctl(env, "apply", "-f", str(path)).stdout == "interferenceruleset/noisy configured (spec)\n"
    )
    data = json.loads(ctl(env, "get", "interferencerulesets", "noisy", "-o", "json").stdout)
    assert data["meta"]["generation"] == "2"
    assert data["spec"]["rules"][0] == {"appA": "default/api", "appB": "ads/api", "k": 1}
    yaml_out = ctl(env, "get", "irs", "noisy", "-o", "yaml").stdout
    assert "appB: ads/api" in yaml_out
    described = ctl(env, "describe", "irs", "noisy").stdout
    assert "Kind:        InterferenceRuleSet" in described and "appA: default/api" in described
    labelled = ctl(env, "label", "irs", "noisy", "tier=cache")
    assert labelled.stdout == "interferenceruleset/noisy labeled\n"
    assert "tier=cache" in ctl(env, "label", "irs", "noisy", "--list").stdout

    path.write_text(RULES.replace("k: 3", "k: -3"))
    refused = ctl(env, "apply", "-f", str(path), code=2)
    assert "document 1 (InterferenceRuleSet noisy): spec.rules[1].k" in refused.stderr
    assert "0 or more" in refused.stderr
    kept = ctl(env, "get", "irs", "noisy", "-o", "jsonpath={.spec.rules[1].k}").stdout
    assert kept == "3"  # nothing half-written
    assert ctl(env, "delete", "irs", "noisy").stdout == "interferenceruleset/noisy deleted\n"
    assert ctl(env, "get", "irs").stderr == "No interferencerulesets in the cluster.\n"

"""Manifests: the examples parse and pass the apiserver's own validation; every error names the
source, the document and the field path; `get -o yaml` output applies again."""

from pathlib import Path

import pytest
import yaml

from sigma.apiserver import validation
from sigma.apiserver.settings import ApiServerSettings
from sigma.ctl._manifest import ManifestError, manifest_field, parse, sources, to_document
from sigma.errors import Invalid
from sigma.v1 import app_pb2, meta_pb2

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
LIMITS = validation.Limits.from_settings(ApiServerSettings())

APP = """\
apiVersion: sigma.io/v1
kind: App
metadata: {name: web, labels: {team: shop}}
spec:
  replicas: 2
  qosClass: ls
  template:
    terminationGracePeriod: 1m30s
    containers:
      - name: c
        command: [sleep, "60"]
        resources: {requests: {cpuMillis: 100, memory_bytes: "1024"}}
"""


def _examples() -> list:
    return [m for name, text in sources([str(EXAMPLES)]) for m in parse(text, name, "", "default")]


def test_examples_declare_an_app_a_job_a_node_and_rules_the_apiserver_accepts() -> None:
    manifests = {m.kind.name: m for m in _examples()}
    assert sorted(manifests) == ["App", "BatchJob", "InterferenceRuleSet", "Node"]
    validation.app(manifests["App"].obj, "default", LIMITS)
    validation.batch_job(manifests["BatchJob"].obj, "default", LIMITS)
    validation.node(manifests["Node"].obj, LIMITS)
    validation.interference_rule_set(manifests["InterferenceRuleSet"].obj, ("default",))
    app = manifests["App"].obj
    assert app.spec.qos_class == meta_pb2.QOS_CLASS_LS
    assert app.spec.time_sharing.enabled and len(app.spec.time_sharing.profile.load) == 24
    job = manifests["BatchJob"].obj
    assert {t.name: list(t.depends_on) for t in job.spec.tasks}["report"] == [
        "transform",
        "checksum",
    ]


def test_camel_and_proto_names_short_enums_and_durations() -> None:
    [m] = parse(APP, "app.yaml", "", "team-a")
    assert m.obj.meta.namespace == "team-a" and m.label == "App team-a/web"
    assert m.obj.spec.qos_class == meta_pb2.QOS_CLASS_LS
    template = m.obj.spec.template
    assert template.termination_grace_period.seconds == 90
    assert template.containers[0].resources.requests.memory_bytes == 1024


def test_get_output_applies_again() -> None:
    for m in _examples():
        if "status" in m.obj.DESCRIPTOR.fields_by_name:  # a rule set has none
            m.obj.status.SetInParent()
        text = yaml.safe_dump(to_document(m.kind, m.obj))
        [again] = parse(text, "out.yaml", "", "default")
        assert again.obj.meta == m.obj.meta and again.obj.spec == m.obj.spec


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("apiVersion: v1\nkind: App\nmetadata: {name: a}\nspec: {}", "apiVersion", "sigma.io/v1"),
        ("apiVersion: sigma.io/v1\nkind: Pod\nmetadata: {name: a}\nspec: {}", "kind", "App"),
        ("apiVersion: sigma.io/v1\nkind: App\nspec: {}", "metadata", "required"),
        ("apiVersion: sigma.io/v1\nkind: App\nmetadata: {}\nspec: {}", "metadata.name", "required"),
        (
            "apiVersion: sigma.io/v1\nkind: App\nmetadata: {name: a}\nspec: {replicaz: 1}",
            "spec.replicaz",
            "unknown field",
        ),
        (
            "apiVersion: sigma.io/v1\nkind: App\nmetadata: {name: a}\nspec: {qosClass: FAST}",
            "spec.qosClass",
            "'FAST' is not one of LSE, LSR, LS, BE, SYSTEM",
        ),
        (
            "apiVersion: sigma.io/v1\nkind: App\nmetadata: {name: a}\n"
            "spec: {template: {containers: [{name: a}, {name: b, command: 7}]}}",
            "spec.template.containers[1].command",
            "expected a list",
        ),
        (
            "apiVersion: sigma.io/v1\nkind: App\nmetadata: {name: a}\n"
            "spec: {timeSharing: {leadTime: soon}}",
            "spec.timeSharing.leadTime",
            "not a duration",
        ),
        (
            "apiVersion: sigma.io/v1\nkind: Node\nmetadata: {name: n, namespace: x}\nspec: {}",
            "metadata.namespace",
            "cluster-scoped",
        ),
        (
            "apiVersion: sigma.io/v1\nkind: App\nmetadata: {name: a, labels: {on: yes}}\nspec: {}",
            "metadata.labels.True",
            "quote it",
        ),
    ],
)
def test_errors_name_source_document_and_field(text: str, field: str, reason: str) -> None:
    doc = "apiVersion: sigma.io/v1\nkind: App\nmetadata: {name: ok}\nspec: {}\n---\n" + text
    with pytest.raises(ManifestError) as err:
        parse(doc, "m.yaml", "", "default")
    assert err.value.field == f"m.yaml: document 2: {field}"
    assert reason in err.value.reason


def test_namespace_flag_must_agree_with_the_manifest() -> None:
    text = APP.replace("{name: web,", "{name: web, namespace: shop,")
    assert parse(text, "a.yaml", "shop")[0].obj.meta.namespace == "shop"
    with pytest.raises(ManifestError, match=r"metadata\.namespace: is 'shop' but --namespace"):
        parse(text, "a.yaml", "data")


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(Invalid) as err:
        parse("kind: App\nspec: [1, 2\n", "x.yaml")
    assert err.value.field == "x.yaml: line 3"


def test_server_field_paths_read_as_the_manifest_spells_them() -> None:
    assert manifest_field("app.spec.time_sharing.lead_time") == "spec.timeSharing.leadTime"
    assert manifest_field("job.spec.tasks[2].depends_on") == "spec.tasks[2].dependsOn"
    assert manifest_field("app.meta.name") == "metadata.name"
    assert manifest_field("replicas") == "replicas"


def test_to_document_uses_short_enum_names() -> None:
    app = app_pb2.App(spec=app_pb2.AppSpec(qos_class=meta_pb2.QOS_CLASS_LSE))
    app.meta.name = "x"
    [m] = [m for m in _examples() if m.kind.name == "App"]
    assert to_document(m.kind, app)["spec"] == {"qosClass": "LSE"}


def test_an_apps_per_host_cap_reads_from_a_manifest_and_is_validated() -> None:
    text = APP.replace("spec:\n", "spec:\n  spread: {maxPerHost: 2}\n", 1)
    [m] = parse(text, "app.yaml", "", "team-a")
    assert m.obj.spec.spread.max_per_host == 2
    m.obj.spec.spread.max_per_host = -1
    with pytest.raises(Invalid) as err:
        validation.app(m.obj, "team-a", LIMITS)
    assert err.value.field.endswith("spec.spread.max_per_host")

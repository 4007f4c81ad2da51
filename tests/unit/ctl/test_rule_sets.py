"""InterferenceRuleSets in sigmactl, without a server: the manifest, the apply plan, the table,
and the apiserver's field names turned back into the manifest's."""

from __future__ import annotations

import pytest
import yaml
from google.protobuf.timestamp_pb2 import Timestamp

from sigma.apiserver import validation
from sigma.ctl import _tables as T
from sigma.ctl._apply import plan
from sigma.ctl._describe import describe
from sigma.ctl._kinds import lookup
from sigma.ctl._manifest import ManifestError, manifest_field, parse, to_document
from sigma.ctl._output import columns
from sigma.v1 import interference_pb2

RULES = """\
apiVersion: sigma.io/v1
kind: InterferenceRuleSet
metadata: {name: shop-rules, labels: {owner: sre}}
spec:
  rules:
    - {appA: default/web, appB: default/etl, k: 2}
    - {appA: default/web, appB: default/web, k: 0}
"""


def test_a_manifest_parses_cluster_scoped_and_passes_the_apiserver() -> None:
    (m,) = parse(RULES, "rules.yaml", "", "default")
    assert m.kind is lookup("irs") is lookup("interferencerulesets")
    assert m.obj.meta.namespace == ""
    assert [(r.app_a, r.app_b, r.k) for r in m.obj.spec.rules] == [
        ("default/web", "default/etl", 2),
        ("default/web", "default/web", 0),
    ]
    validation.interference_rule_set(m.obj, ("default",))
    doc = to_document(m.kind, m.obj)
    assert doc["kind"] == "InterferenceRuleSet"
    assert doc["spec"]["rules"][0] == {"appA": "default/web", "appB": "default/etl", "k": 2}
    assert parse(yaml.safe_dump(doc), "again.yaml")[0].obj == m.obj


def test_a_namespace_on_a_rule_set_is_refused_by_name() -> None:
    with pytest.raises(ManifestError) as info:
        parse(RULES.replace("name: shop-rules", "name: shop-rules, namespace: default"), "r")
    assert info.value.field == "r: document 1: metadata.namespace"
    assert "cluster-scoped" in info.value.reason


def test_server_fields_read_as_the_manifest_spells_them() -> None:
    assert manifest_field("rule_set.spec.rules[3].k") == "spec.rules[3].k"
    assert manifest_field("rule_set.spec.rules[0].app_b") == "spec.rules[0].appB"


def test_plan_creates_updates_a_changed_set_and_leaves_an_equal_one() -> None:
    (m,) = parse(RULES, "rules.yaml")
    stored = interference_pb2.InterferenceRuleSet()
    stored.CopyFrom(m.obj)
    stored.meta.resource_version = 7
    assert plan(m.obj, None).action == "create"
    assert plan(m.obj, stored).action == "unchanged"
    stored.spec.rules[0].k = 5
    assert plan(m.obj, stored).changes == ["spec"]
    stored.spec.rules[0].k = 2
    stored.meta.labels["owner"] = "dba"
    assert plan(m.obj, stored).changes == ["metadata.labels.owner=sre"]


def test_table_counts_the_rules_and_the_pods_over_them_and_wide_lists_the_apps() -> None:
    (m,) = parse(RULES, "rules.yaml")
    created = Timestamp(seconds=1_000)
    m.obj.meta.creation_timestamp.CopyFrom(created)
    text = T.get_table("InterferenceRuleSet", [m.obj], 1_060 * 10**9)
    assert text.splitlines() == [
        "NAME         RULES   PODS-OVER   AGE",
        "shop-rules   2       -           1m",
    ]
    m.obj.status.observed_generation, m.obj.status.pods_over = 1, 3
    text = T.get_table("InterferenceRuleSet", [m.obj], 1_060 * 10**9)
    assert text.splitlines()[1].split() == ["shop-rules", "2", "3", "1m"]
    m.obj.ClearField("status")
    headers, row = columns("InterferenceRuleSet", wide=True, namespaces=False)
    assert headers[-2:] == ("APPS", "LABELS")
    assert row(m.obj, 0)[-2:] == ["default/etl,default/web", "owner=sre"]


def test_describe_shows_the_rules_of_a_set_without_status() -> None:
    (m,) = parse(RULES, "rules.yaml")
    text = describe("InterferenceRuleSet", m.obj, now_ns=0)
    assert "Kind:        InterferenceRuleSet" in text and "Status:" not in text
    assert "  - appA: default/web\n    appB: default/etl\n    k: 2" in text


def test_describe_shows_the_rules_broken_by_running_pods() -> None:
    (m,) = parse(RULES, "rules.yaml")
    m.obj.status.observed_generation, m.obj.status.pods_over = 1, 2
    m.obj.status.broken.add(app_a="default/web", app_b="default/etl", k=2, pods_over=2, nodes=1)
    text = describe("InterferenceRuleSet", m.obj, now_ns=0)
    assert "Status:" in text and "podsOver: 2" in text
    assert (
        "  - appA: default/web\n    appB: default/etl\n    k: 2\n    podsOver: 2\n    nodes: 1"
        in text
    )

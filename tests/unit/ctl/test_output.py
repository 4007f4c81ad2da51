"""How `get` prints: -o name|wide|json|yaml|jsonpath, --sort-by and -A's column; no server."""

from __future__ import annotations

import json

import pytest
import yaml
from google.protobuf.timestamp_pb2 import Timestamp

from sigma.ctl import _jsonpath as J
from sigma.ctl._kinds import APPS, EVENTS, NODES, PODS
from sigma.ctl._output import Output, columns, parse_output, render, sort_items
from sigma.errors import Invalid
from sigma.v1 import meta_pb2, node_pb2, pod_pb2, record_pb2

DATA = {
    "items": [
        {"meta": {"name": "a", "labels": {"sigma.io/app": "web"}}, "n": 2, "ok": True},
        {"meta": {"name": "b"}, "n": 1},
    ]
}


@pytest.mark.parametrize(
    ("template", "printed"),
    [
        ("{.items[*].meta.name}", "a b"),
        ('{range .items[*]}{.meta.name}{"\\t"}{.n}{"\\n"}{end}', "a\t2\nb\t1\n"),
        ('{.items[0].meta.labels["sigma.io/app"]}', "web"),
        ("{.items[?(@.n==1)].meta.name}", "b"),
        ("first: {$.items[0].meta}", 'first: {"name":"a","labels":{"sigma.io/app":"web"}}'),
        ("{.items[0].ok}/{.items[1].ok}/{.items[*].missing}", "true//"),
        ("{range .items[*]}{.meta.name}:{range .meta.labels.*}{@}{end};{end}", "a:web;b:;"),
        ("{range .items[*].meta.name}[{@}]{end}", "[a][b]"),
    ],
)
def test_jsonpath_templates_print_as_kubectl_prints(template: str, printed: str) -> None:
    assert J.render(template, DATA) == printed


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("", "empty template"),
        ("{.items[", "unbalanced braces"),
        ("a}b", "unbalanced braces"),
        ("{range .items[*]}x", "{range} without {end}"),
        ("{end}", "{end} without {range}"),
        ('{"unterminated}', "unbalanced braces"),
        ("{.items[@#]}", "is not a JSONPath expression"),
    ],
)
def test_a_bad_template_is_refused_before_any_call(template: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_output(f"jsonpath={template}")
    assert caught.value.field == "jsonpath" and reason in caught.value.reason


def test_output_formats_and_a_bad_one() -> None:
    assert parse_output("wide") == Output("wide") and Output("wide").tabular
    assert parse_output("jsonpath={.items}") == Output("jsonpath", "{.items}")
    with pytest.raises(Invalid, match="'xml' is not one of table"):
        parse_output("xml")


def _pod(name: str, start: int | None, cpu: int, namespace: str = "shop") -> pod_pb2.Pod:
    pod = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(name=name, namespace=namespace))
    if start is not None:
        pod.status.start_time.FromNanoseconds(start)
    pod.spec.template.containers.add(name="c").resources.requests.cpu_millis = cpu
    pod.meta.resource_version = cpu  # an int64: a decimal string in JSON
    return pod


def test_sort_by_orders_numbers_times_and_absent_values_as_values() -> None:
    pods = [_pod("a", 10_000_000_000, 900), _pod("b", None, 80), _pod("c", 9_500_000_000, 1000)]
    by_version = sort_items(pods, ".meta.resourceVersion")  # "80" < "900" < "1000" as numbers
    assert [p.meta.name for p in by_version] == ["b", "a", "c"]
    by_start = sort_items(pods, "{.status.startTime}")  # 9.5 s before 10 s, unset first
    assert [p.meta.name for p in by_start] == ["b", "c", "a"]
    assert J.sort_key("2024-01-01T00:00:00.500Z") > J.sort_key("2024-01-01T00:00:00Z")
    with pytest.raises(Invalid, match="--sort-by"):
        sort_items(pods, ".meta[")


def test_name_wide_and_every_namespace() -> None:
    pods = [_pod("web-0", None, 100), _pod("etl-0", None, 100, namespace="data")]
    assert render(PODS, pods, Output("name"), single=False) == "pod/web-0\npod/etl-0\n"
    headers, row = columns("Pod", wide=True, namespaces=True)
    assert headers[0] == "NAMESPACE" and headers[-3:] == ("NOMINATED-NODE", "PRIORITY", "IMAGES")
    assert row(pods[1], 0)[:2] == ["data", "etl-0"] and len(row(pods[1], 0)) == len(headers)
    table = render(PODS, pods, Output("table"), single=False, namespaces=True).splitlines()
    assert table[0].split()[:2] == ["NAMESPACE", "NAME"] and table[2].split()[:2] == [
        "data",
        "etl-0",
    ]
    node = node_pb2.Node(meta=meta_pb2.ObjectMeta(name="n1", labels={"zone": "a"}))
    node.spec.taints.add(key="dedicated", effect=meta_pb2.TAINT_EFFECT_NO_SCHEDULE)
    wide = render(NODES, [node], Output("wide"), single=False, namespaces=True).splitlines()
    assert "NAMESPACE" not in wide[0]  # nodes belong to no namespace
    assert wide[1].split()[-2:] == ["dedicated:NO_SCHEDULE", "zone=a"]
    assert render(APPS, [], Output("json"), single=False) == '{\n  "items": []\n}\n'


def test_records_print_as_yaml_and_json_though_they_have_no_spec() -> None:
    at = Timestamp(seconds=1_700_000_000)
    record = record_pb2.EventRecord(
        meta=meta_pb2.ObjectMeta(name="r1", namespace="shop"), reason="Started", count=2, last_at=at
    )
    doc = yaml.safe_load(render(EVENTS, [record], Output("yaml"), single=False))
    assert doc["kind"] == "EventRecord" and doc["metadata"]["name"] == "r1"
    assert doc["reason"] == "Started" and doc["count"] == 2
    printed = json.loads(render(EVENTS, [record], Output("json"), single=True))
    assert printed["lastAt"] == "2023-11-14T22:13:20Z"
    assert render(EVENTS, [record], Output("jsonpath", "{.items[*].reason}"), single=False) == (
        "Started"
    )

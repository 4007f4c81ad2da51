"""The Kubernetes door's pure parts: paths, patches, selectors, Status, the Deployment mapping
and the OpenAPI documents, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from sigma.apiserver.kube import openapi, patch, routes, selectors
from sigma.apiserver.kube.kinds import deployments
from sigma.apiserver.kube.served.registry import SERVED
from sigma.apiserver.kube.status import KubeError, from_error
from sigma.ctl._config import CtlConfig
from sigma.ctl._kubeconfig import document
from sigma.errors import Compacted, Invalid

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"rollingUpdate": {"maxUnavailable": 1, "maxSurge": "50%"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "main",
                        "command": ["python3", "-m", "http.server"],
                        "env": [{"name": "A", "value": "1"}],
                        "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}},
                        "readinessProbe": {"tcpSocket": {"port": 8000}, "periodSeconds": 5},
                    }
                ]
            },
        },
    },
}


@pytest.mark.parametrize(
    ("path", "plural", "namespace", "name", "sub"),
    [
        ("/api/v1/namespaces/shop/pods", "pods", "shop", "", ""),
        ("/api/v1/namespaces/shop/pods/web-0/log", "pods", "shop", "web-0", "log"),
        ("/api/v1/pods", "pods", "", "", ""),
        ("/api/v1/nodes/n1", "nodes", "", "n1", ""),
        ("/api/v1/namespaces/shop", "namespaces", "", "shop", ""),
        (
            "/apis/apps/v1/namespaces/shop/deployments/web/scale",
            "deployments",
            "shop",
            "web",
            "scale",
        ),
        ("/apis/sigma.io/v1/namespaces/shop/apps", "apps", "shop", "", ""),
    ],
)
def test_paths(path: str, plural: str, namespace: str, name: str, sub: str) -> None:
    target = routes.parse_path(path)
    assert target is not None
    assert (target.served.names.plural, target.namespace, target.name, target.sub) == (
        plural,
        namespace,
        name,
        sub,
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/namespaces/shop/services",
        "/apis/apps/v1/namespaces/shop/replicasets",
        "/api/v1/namespaces/shop/nodes/n1",  # a cluster-scoped kind under a namespace
        "/apis/apps/v1/namespaces/shop/deployments/web/exec",
    ],
)
def test_unknown_paths_are_404(path: str) -> None:
    with pytest.raises(KubeError) as refused:
        routes.parse_path(path)
    assert refused.value.code == 404


def test_discovery_paths_are_not_resources() -> None:
    assert routes.parse_path("/api/v1") is None
    assert routes.parse_path("/apis/apps/v1") is None


def test_a_deployment_reads_back_as_it_was_written() -> None:
    """What kubectl apply compares: a Deployment through the App and back is unchanged."""
    app = deployments.app_from(DEPLOYMENT, "shop")
    again = deployments.app_from(deployments.deployment(app), "shop")
    assert again == app
    shown = deployments.deployment(app)["spec"]
    assert shown["strategy"]["rollingUpdate"] == {"maxUnavailable": 1, "maxSurge": "50%"}
    assert shown["template"]["spec"]["containers"][0]["resources"]["requests"] == {
        "cpu": "250m",
        "memory": "64Mi",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"replicaz": 2}, "spec.replicaz"),
        ({"selector": {"matchLabels": {"app": "other"}}}, "spec.template.metadata.labels"),
        ({"strategy": {"type": "Recreate"}}, "spec.strategy.type"),
        ({"minReadySeconds": 10}, "spec.minReadySeconds"),
        ({"paused": True}, "spec.paused"),
    ],
)
def test_what_cannot_be_mapped_is_refused_by_name(change: dict[str, Any], field: str) -> None:
    body = {**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], **change}}
    with pytest.raises(Invalid) as refused:
        deployments.app_from(body, "shop")
    assert refused.value.field == field


def test_a_template_field_sigma_has_no_place_for_is_refused_by_name() -> None:
    template = DEPLOYMENT["spec"]["template"]
    for key, value, field in (
        ("schedulerName", "my-scheduler", "spec.template.spec.schedulerName"),
        ("volumes", [{"name": "v"}], "spec.template.spec.volumes"),
        ("dnsPolicy", "None", "spec.template.spec.dnsPolicy"),
    ):
        spec = {**template["spec"], key: value}
        body = {
            **DEPLOYMENT,
            "spec": {**DEPLOYMENT["spec"], "template": {**template, "spec": spec}},
        }
        with pytest.raises(Invalid) as refused:
            deployments.app_from(body, "shop")
        assert refused.value.field == field


def test_strategic_merge_merges_containers_by_name() -> None:
    current = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}
    body = {
        "spec": {
            "containers": [{"name": "b", "image": "z"}, {"name": "a", "$patch": "delete"}],
            "$setElementOrder/containers": [{"name": "b"}],
        }
    }
    out = patch.apply_patch(current, body, patch.STRATEGIC)
    assert out == {"spec": {"containers": [{"name": "b", "image": "z"}]}}
    assert current["spec"]["containers"][0] == {"name": "a", "image": "x"}  # not changed


def test_merge_and_json_patches() -> None:
    current = {"spec": {"replicas": 1, "paused": True}}
    merged = patch.apply_patch(
        current, {"spec": {"replicas": 4, "paused": None}}, patch.MERGE_PATCH
    )
    assert merged == {"spec": {"replicas": 4}}
    ops = [{"op": "replace", "path": "/spec/replicas", "value": 2}]
    assert patch.apply_patch(current, ops, patch.JSON_PATCH)["spec"]["replicas"] == 2
    with pytest.raises(KubeError) as refused:
        patch.apply_patch(current, {}, "text/plain")
    assert refused.value.code == 415


def test_selectors() -> None:
    chosen = selectors.parse("app in (web,api),!canary,tier!=db")
    assert chosen.matches({"app": "web"})
    assert not chosen.matches({"app": "web", "canary": "1"})
    assert not chosen.matches({"app": "db"})
    assert not chosen.matches({"app": "api", "tier": "db"})
    assert selectors.parse("app=web").equal == {"app": "web"}
    with pytest.raises(KubeError):
        selectors.parse("app in web")
    with pytest.raises(KubeError) as refused:
        selectors.fields("spec.color=red", {"metadata.name": ""})
    assert refused.value.code == 400


def test_status_objects() -> None:
    invalid = from_error(Invalid("spec.replicas", "must not be negative"), "Deployment", "web")
    assert invalid["code"] == 422 and invalid["reason"] == "Invalid"
    assert invalid["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": "must not be negative", "field": "spec.replicas"}
    ]
    gone = from_error(Compacted(5, 9))
    assert (gone["code"], gone["reason"]) == (410, "Expired")


def test_openapi_says_fields_are_validated_by_the_server() -> None:
    """kubectl sends fieldValidation=Strict (server-side validation) only when every PATCH
    names the parameter with the kind's group, version and kind."""
    for served in SERVED:
        n = served.names
        doc = openapi.group_version(n.group, n.version)
        schema = doc["components"]["schemas"][openapi.schema_name(served)]
        assert schema["x-kubernetes-group-version-kind"] == openapi.gvk(served)
        if "patch" in n.verbs:
            patches = [p["patch"] for p in doc["paths"].values() if "patch" in p]
            mine = [p for p in patches if p["x-kubernetes-group-version-kind"]["kind"] == n.kind]
            assert mine and "fieldValidation" in [q["name"] for q in mine[0]["parameters"]]
    root = openapi.document("/openapi/v3")
    assert root is not None and "apis/apps/v1" in root["paths"]
    assert openapi.document(root["paths"]["apis/apps/v1"]["serverRelativeURL"].split("?")[0])


def test_kubeconfig_document() -> None:
    plain = document(CtlConfig(kube="127.0.0.1:7080", namespace="shop"))
    assert plain["clusters"][0]["cluster"] == {"server": "http://127.0.0.1:7080"}
    assert plain["contexts"][0]["context"]["namespace"] == "shop"
    assert plain["users"][0]["user"] == {}
    secure = document(CtlConfig(token="t", tls_ca="/c/ca.crt"))
    assert secure["clusters"][0]["cluster"]["server"].startswith("https://")
    assert secure["users"][0]["user"] == {"token": "t"}


def test_watch_lines_are_encoded_once_per_change() -> None:
    from sigma.apiserver.kube.reads import Lines
    from sigma.v1 import event_pb2

    lines, made = Lines(size=2), []
    pods = next(s for s in SERVED if s.names.plural == "pods" and not s.names.group)

    def make() -> bytes:
        made.append(1)
        return b"line\n"

    change = event_pb2.Event(key="default/web-0", revision=7)
    assert lines.get(pods, change, make) == lines.get(pods, change, make) == b"line\n"
    assert len(made) == 1  # the second watcher's line came from the first's
    for revision in (8, 9):
        lines.get(pods, event_pb2.Event(key="default/web-0", revision=revision), make)
    assert len(lines.lines) == 2 and len(made) == 3

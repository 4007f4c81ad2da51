"""The official Kubernetes Python client (``kubernetes`` on PyPI) against ``sigma up``: it loads
the kubeconfig sigmactl wrote, lists pods, creates a Deployment and watches its pods added."""

from __future__ import annotations

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.integration.kube.conftest import Cluster


@pytest.fixture
def api(cluster: Cluster) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(cluster.kubeconfig))


def deployment(name: str, replicas: int) -> client.V1Deployment:
    container = client.V1Container(
        name="main",
        command=["python3", "-c", "import time; time.sleep(10**6)"],
        resources=client.V1ResourceRequirements(requests={"cpu": "50m", "memory": "16Mi"}),
    )
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[container]),
            ),
        ),
    )


def test_list_create_and_watch(api: client.ApiClient) -> None:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    listed = core.list_namespaced_pod("default", label_selector="app=web")
    assert listed.items and all(p.metadata.labels["app"] == "web" for p in listed.items)
    assert int(listed.metadata.resource_version) > 0
    nodes = core.list_node()
    assert any(n.status.conditions[0].type == "Ready" for n in nodes.items)

    created = apps.create_namespaced_deployment("default", deployment("pyclient", 2))
    assert created.spec.replicas == 2 and created.metadata.uid
    added: set[str] = set()
    stream = watch.Watch()
    for event in stream.stream(
        core.list_namespaced_pod,
        "default",
        label_selector="app=pyclient",
        resource_version=listed.metadata.resource_version,
        timeout_seconds=60,
    ):
        if event["type"] == "ADDED":
            added.add(event["object"].metadata.name)
        if len(added) == 2:
            stream.stop()
    assert len(added) == 2, added

    with pytest.raises(ApiException) as refused:
        apps.create_namespaced_deployment("default", deployment("pyclient", 2))
    assert refused.value.status == 409
    apps.delete_namespaced_deployment("pyclient", "default")


def test_interference_rule_sets_as_custom_objects(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    where = {"group": "sigma.io", "version": "v1", "plural": "interferencerulesets"}
    body = {
        "apiVersion": "sigma.io/v1",
        "kind": "InterferenceRuleSet",
        "metadata": {"name": "py-rules"},
        "spec": {"rules": [{"appA": "default/web", "appB": "default/web", "k": 7}]},
    }
    made = custom.create_cluster_custom_object(body=body, **where)
    assert made["metadata"]["name"] == "py-rules" and made["spec"] == body["spec"]
    listed = custom.list_cluster_custom_object(**where)
    assert "py-rules" in [i["metadata"]["name"] for i in listed["items"]]
    got = custom.get_cluster_custom_object(name="py-rules", **where)
    assert got["metadata"]["uid"] == made["metadata"]["uid"]
    w = watch.Watch()
    seen = []
    version = listed["metadata"]["resourceVersion"]
    stream = w.stream(
        custom.list_cluster_custom_object, resource_version=version, timeout_seconds=20, **where
    )
    custom.delete_cluster_custom_object(name="py-rules", **where)
    for event in stream:
        seen.append((event["type"], event["object"]["metadata"]["name"]))
        if event["type"] == "DELETED":
            w.stop()
    assert ("DELETED", "py-rules") in seen
    with pytest.raises(ApiException) as gone:
        custom.get_cluster_custom_object(name="py-rules", **where)
    assert gone.value.status == 404

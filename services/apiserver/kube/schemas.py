"""The schema of every served kind, as OpenAPI v3 schema objects (``kubectl explain`` reads them).

Pure data. The Kubernetes kinds list exactly the fields this door maps (anything else is refused
with 422, so the schema is also the list of what Sigma takes); the ``sigma.io`` kinds are read
off their protobuf messages, so they cannot drift from the wire contract.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

Schema = dict[str, Any]


def text(description: str) -> Schema:
    return {"type": "string", "description": description}


def number(description: str) -> Schema:
    return {"type": "integer", "format": "int32", "description": description}


def flag(description: str) -> Schema:
    return {"type": "boolean", "description": description}


def strings(description: str) -> Schema:
    return {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": description,
    }


def items(of: Schema, description: str) -> Schema:
    return {"type": "array", "items": of, "description": description}


def obj(description: str, required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    out: Schema = {"type": "object", "description": description, "properties": properties}
    if required:
        out["required"] = list(required)
    return out


METADATA = obj(
    "Standard object metadata: Sigma keeps the name, namespace (the owning team), labels and "
    "annotations; uid, resourceVersion, generation and timestamps are the server's.",
    name=text("Name, unique in its namespace (cluster-wide for nodes)."),
    namespace=text("The team that owns the object."),
    labels=strings("Labels; a Deployment's pods carry its template's."),
    annotations=strings("Annotations (kubectl keeps its last-applied configuration here)."),
    uid=text("Server-assigned unique id."),
    resourceVersion=text("The store revision of the object's last change (optimistic locking)."),
    generation=number("Bumped by every change of the spec."),
    creationTimestamp=text("When the object was created (RFC 3339)."),
)
QUANTITIES = obj(
    "Amounts of CPU and memory.",
    cpu=text("CPU, in cores or millicores (0.5, 500m)."),
    memory=text("Memory in bytes, with a suffix (64Mi, 1Gi)."),
)
PROBE = obj(
    "A check the slave runs: exec, tcpSocket or grpc (httpGet is not supported).",
    exec=obj("Run a command in the container.", command=items(text("a word"), "The command.")),
    tcpSocket=obj("Open a TCP connection.", port=number("The port."), host=text("The host.")),
    grpc=obj("Call gRPC health checking.", port=number("The port."), service=text("Service.")),
    initialDelaySeconds=number("Seconds after start before the first check."),
    periodSeconds=number("Seconds between checks."),
    timeoutSeconds=number("Seconds a check may take."),
    successThreshold=number("Successes in a row that count as up."),
    failureThreshold=number("Failures in a row that count as down."),
)
CONTAINER = obj(
    "A container of the pod. Pods run on their node's network: no ports or volumes.",
    ("name",),
    name=text("Name, unique in the pod."),
    image=text("OCI image (the containerd runtime); the process runtime runs the command."),
    command=items(text("a word"), "Entrypoint."),
    args=items(text("a word"), "Arguments to the entrypoint."),
    env=items(obj("A variable.", name=text("Name."), value=text("Value.")), "Environment."),
    workingDir=text("Working directory."),
    resources=obj(
        "What the container is reserved (requests) and may use at most (limits).",
        requests=QUANTITIES,
        limits=QUANTITIES,
    ),
    readinessProbe=PROBE,
    livenessProbe=PROBE,
    imagePullPolicy=text("Accepted for compatibility; the runtime decides."),
)
POD_SPEC = obj(
    "What runs: the containers, and where they may run.",
    ("containers",),
    containers=items(CONTAINER, "The containers (at least one)."),
    nodeSelector=strings("Labels a node must carry."),
    tolerations=items(
        obj(
            "Tolerates a node's taint.",
            key=text("Taint key."),
            operator=text("Equal or Exists."),
            value=text("Taint value."),
            effect=text("NoSchedule, PreferNoSchedule or NoExecute."),
        ),
        "Taints the pods tolerate.",
    ),
    terminationGracePeriodSeconds=number("Seconds between the stop signal and the kill."),
    restartPolicy=text("Always (Deployments), OnFailure or Never (Jobs)."),
    priority=number("Scheduling priority."),
    schedulerName=text("Only default-scheduler: Sigma's scheduler places every pod."),
    nodeName=text("The node the pod is placed on (the scheduler's)."),
)
TEMPLATE = obj(
    "The pods to make.",
    metadata=obj(
        "The pods' labels and annotations.",
        labels=strings("Labels."),
        annotations=strings("Annotations."),
    ),
    spec=POD_SPEC,
)
CONDITIONS = items(
    obj(
        "A condition.",
        type=text("Type."),
        status=text("True, False or Unknown."),
        reason=text("Reason."),
        message=text("Message."),
    ),
    "Conditions.",
)
DEPLOYMENT = obj(
    "A Deployment is a Sigma App: replicas of one template, rolled a few at a time.",
    apiVersion=text("apps/v1"),
    kind=text("Deployment"),
    metadata=METADATA,
    spec=obj(
        "What the App should be.",
        ("selector", "template"),
        replicas=number("Pods wanted (default 1)."),
        selector=obj(
            "Must match the template's labels.", matchLabels=strings("Labels the pods carry.")
        ),
        template=TEMPLATE,
        strategy=obj(
            "Only RollingUpdate.",
            type=text("RollingUpdate."),
            rollingUpdate=obj(
                "How fast pods are replaced.",
                maxUnavailable=text("Pods (or a percentage) that may be down during a rollout."),
                maxSurge=text("Pods (or a percentage) above replicas during a rollout."),
            ),
        ),
    ),
    status=obj(
        "What the App is, from its controller.",
        replicas=number("Pods."),
        updatedReplicas=number("Pods of the current template."),
        readyReplicas=number("Ready pods."),
        availableReplicas=number("Available pods."),
        observedGeneration=number("The generation the counts describe."),
        conditions=CONDITIONS,
    ),
)
JOB = obj(
    "A Job is a Sigma BatchJob of one task: completions instances of the template.",
    apiVersion=text("batch/v1"),
    kind=text("Job"),
    metadata=METADATA,
    spec=obj(
        "The work; fixed once the job exists.",
        ("template",),
        completions=number("Instances that must succeed (default 1)."),
        parallelism=number("Sigma starts instances as room allows: at least completions."),
        backoffLimit=number("Retries of a failed instance (default 6)."),
        completionMode=text("Only NonIndexed."),
        template=TEMPLATE,
    ),
    status=obj(
        "Progress.",
        active=number("Running or waiting."),
        succeeded=number("Succeeded."),
        failed=number("Failed."),
        conditions=CONDITIONS,
    ),
)
POD = obj(
    "A Pod, stamped from a Deployment or a Job; read, labelled, deleted and evicted here.",
    apiVersion=text("v1"),
    kind=text("Pod"),
    metadata=METADATA,
    spec=POD_SPEC,
    status=obj(
        "Where the pod is.",
        phase=text("Pending, Running, Succeeded or Failed."),
        reason=text("Why."),
        conditions=CONDITIONS,
    ),
)
NODE = obj(
    "A machine with a Sigma slave. Only spec.unschedulable (cordon) and metadata change here.",
    apiVersion=text("v1"),
    kind=text("Node"),
    metadata=METADATA,
    spec=obj(
        "Placement settings.",
        unschedulable=flag("Cordoned: nothing new is placed."),
        taints=items(
            obj("A taint.", key=text("Key."), value=text("Value."), effect=text("Effect.")),
            "Taints.",
        ),
    ),
    status=obj(
        "What the slave reports.",
        capacity=strings("Capacity."),
        allocatable=strings("Allocatable."),
        conditions=CONDITIONS,
    ),
)
NAMESPACE = obj(
    "A team the apiserver knows (read-only).",
    apiVersion=text("v1"),
    kind=text("Namespace"),
    metadata=METADATA,
)
EVENT = obj(
    "A record a tier kept about an object (read-only).",
    apiVersion=text("v1"),
    kind=text("Event"),
    metadata=METADATA,
    reason=text("Reason."),
    message=text("Message."),
    type=text("Normal or Warning."),
)
KUBE_KINDS: dict[str, Schema] = {
    "Deployment": DEPLOYMENT,
    "Job": JOB,
    "Pod": POD,
    "Node": NODE,
    "Namespace": NAMESPACE,
    "Event": EVENT,
}
_SCALARS = {
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "format": "byte"},
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number"},
}
_WELL_KNOWN = {
    "google.protobuf.Duration": "a duration (30s, 1.5s)",
    "google.protobuf.Timestamp": "a time (RFC 3339)",
}


def message(descriptor: Descriptor, description: str, seen: frozenset[str] = frozenset()) -> Schema:
    """The schema of a protobuf message as ``sigmactl``'s YAML writes it (camelCase names)."""
    props: dict[str, Schema] = {}
    for f in descriptor.fields:
        props[f.json_name] = _field(f, seen | {descriptor.full_name})
    return {"type": "object", "description": description, "properties": props}


def _field(f: FieldDescriptor, seen: frozenset[str]) -> Schema:
    about = f"{f.name.replace('_', ' ')}"
    if f.message_type is not None and f.message_type.GetOptions().map_entry:
        value = _single(f.message_type.fields_by_name["value"], seen)
        return {"type": "object", "additionalProperties": value, "description": about}
    single = {**_single(f, seen), "description": about}
    if f.is_repeated:
        return {"type": "array", "items": _single(f, seen), "description": about}
    return single


def _single(f: FieldDescriptor, seen: frozenset[str]) -> Schema:
    if f.enum_type is not None:
        return {"type": "string", "enum": [v.name for v in f.enum_type.values]}
    if f.message_type is not None:
        name = f.message_type.full_name
        if name in _WELL_KNOWN:
            return {"type": "string", "description": _WELL_KNOWN[name]}
        if name in seen:  # a recursive message: named, not unrolled
            return {"type": "object", "description": name}
        return message(f.message_type, name, seen)
    return dict(_SCALARS.get(f.type, {"type": "integer", "format": "int64"}))

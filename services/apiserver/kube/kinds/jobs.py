"""``batch/v1`` Job as a BatchJob of one task (``main``): completions instances of the template.

Pure. Sigma runs a task's instances as room allows, all at once if it can, so
``parallelism`` is accepted only when it does not ask for less than ``completions``;
``backoffLimit`` is the job's retries per instance. A Job's spec is fixed once created, in
Kubernetes as here: only its labels and annotations change afterwards.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver.kube import meta as M
from sigma.apiserver.kube.containers import integer
from sigma.apiserver.kube.podtemplate import template_from, template_to
from sigma.errors import Invalid
from sigma.v1 import batch_pb2

API_VERSION = "batch/v1"
TASK = "main"
SPEC_KEYS = frozenset({"completions", "parallelism", "backoffLimit", "template", "completionMode"})
DEFAULT_BACKOFF = 6  # the Kubernetes default backoffLimit


def job_from(data: dict[str, Any], namespace: str) -> batch_pb2.BatchJob:
    M.known(data, frozenset({"apiVersion", "kind", "metadata", "spec", "status"}), "")
    job = batch_pb2.BatchJob()
    M.read(data.get("metadata"), job.meta, namespace)
    spec = M.mapping(data.get("spec"), "spec")
    M.known(spec, SPEC_KEYS, "spec")
    if spec.get("completionMode") not in (None, "NonIndexed"):
        raise Invalid("spec.completionMode", "only NonIndexed")
    completions = integer(spec.get("completions"), "spec.completions", default=1)
    parallelism = integer(spec.get("parallelism"), "spec.parallelism", default=completions)
    if parallelism < completions:
        raise Invalid(
            "spec.parallelism", "Sigma starts every instance as room allows: use >= completions"
        )
    template = M.mapping(spec.get("template"), "spec.template")
    restart = M.mapping(template.get("spec"), "spec.template.spec").get("restartPolicy")
    if restart not in ("Never", "OnFailure"):
        raise Invalid("spec.template.spec.restartPolicy", "required: Never or OnFailure")
    task = job.spec.tasks.add(name=TASK, instances=completions)
    task.template.CopyFrom(template_from(template, "spec.template", "Never"))
    job.spec.max_retries = integer(spec.get("backoffLimit"), "spec.backoffLimit", DEFAULT_BACKOFF)
    return job


def counts(job: batch_pb2.BatchJob) -> tuple[int, int, int, int]:
    """(wanted, active, succeeded, failed) over the job's tasks."""
    wanted = sum(t.instances for t in job.spec.tasks)
    active = sum(t.running + t.pending for t in job.status.tasks)
    succeeded = sum(t.succeeded for t in job.status.tasks)
    failed = sum(t.failed for t in job.status.tasks)
    return wanted, active, succeeded, failed


def job(value: batch_pb2.BatchJob) -> dict[str, Any]:
    wanted, active, succeeded, failed = counts(value)
    first = value.spec.tasks[0] if value.spec.tasks else batch_pb2.BatchTask()
    status: dict[str, Any] = {"active": active, "succeeded": succeeded, "failed": failed}
    started, finished = M.rfc3339(value.status.start_time), M.rfc3339(value.status.finish_time)
    if started:
        status["startTime"] = started
    phase = value.status.phase
    if phase == batch_pb2.BATCH_JOB_PHASE_SUCCEEDED:
        status["completionTime"] = finished
        status["conditions"] = [_condition("Complete", finished)]
    elif phase in (batch_pb2.BATCH_JOB_PHASE_FAILED, batch_pb2.BATCH_JOB_PHASE_CANCELLED):
        status["conditions"] = [_condition("Failed", finished, value.status.message)]
    return {
        "apiVersion": API_VERSION,
        "kind": "Job",
        "metadata": M.metadata(value.meta),
        "spec": {
            "completions": wanted,
            "parallelism": wanted,
            "backoffLimit": value.spec.max_retries,
            "completionMode": "NonIndexed",
            "template": template_to(first.template),
        },
        "status": status,
    }


def _condition(kind: str, at: str | None, message: str = "") -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True",
        "reason": "Completed" if kind == "Complete" else "BackoffLimitExceeded",
        "message": message,
        "lastProbeTime": at,
        "lastTransitionTime": at,
    }


def status_word(value: batch_pb2.BatchJob) -> str:
    phase = value.status.phase
    if phase == batch_pb2.BATCH_JOB_PHASE_SUCCEEDED:
        return "Complete"
    if phase in (batch_pb2.BATCH_JOB_PHASE_FAILED, batch_pb2.BATCH_JOB_PHASE_CANCELLED):
        return "Failed"
    return "Running"

"""``batch/v1`` Jobs over Sigma's BatchJobs (one task each); their spec is fixed once created."""

from __future__ import annotations

import re
from typing import Any

from sigma.apiserver.kube.calls import Call
from sigma.apiserver.kube.kinds import jobs
from sigma.apiserver.kube.served.apps import ALL, propagation
from sigma.apiserver.kube.served.base import Names, Served
from sigma.apiserver.kube.served.changes import deployment_field
from sigma.apiserver.kube.served.core import precondition
from sigma.v1 import apiserver_pb2 as rpc
from sigma.v1 import batch_pb2


def job_field(field: str) -> str:
    """A field of Sigma's BatchJob as the Job names it (for 422 causes)."""
    f = re.sub(r"^job\.spec\.tasks\[0\]\.instances", "spec.completions", field)
    f = re.sub(r"^job\.spec\.max_retries", "spec.backoffLimit", f)
    f = re.sub(r"^job\.spec\.tasks\[0\]\.", "app.spec.", f)
    return deployment_field(f)


class Jobs(Served):
    names = Names("batch", "v1", "Job", "jobs", categories=("all",), verbs=ALL)
    servicer, event_field, message = "batchjobs", "batch_job", batch_pb2.BatchJob
    requests = (rpc.GetBatchJobRequest, rpc.ListBatchJobsRequest, rpc.WatchBatchJobsRequest)
    metadata_request = rpc.UpdateBatchJobMetadataRequest
    render = staticmethod(jobs.job)

    def read(self, body: dict[str, Any], namespace: str) -> batch_pb2.BatchJob:
        return jobs.job_from(body, namespace)

    def rename(self, field: str) -> str:
        return job_field(field)

    async def create(self, call: Call, namespace: str, body: dict[str, Any], dry: bool) -> Any:
        job = self.read(body, namespace)
        return await self.create_whole(call, job, rpc.CreateBatchJobRequest, "job", dry)

    async def replace(
        self, call: Call, namespace: str, name: str, body: dict[str, Any], dry: bool
    ) -> Any:
        """Labels and annotations only: a job's work is fixed once it is submitted."""
        why = "field is immutable once the job exists"
        return await self.relabel(call, namespace, name, body, dry, why)

    async def delete(
        self, call: Call, namespace: str, name: str, options: dict[str, Any], dry: bool
    ) -> Any:
        propagation(options)
        request = rpc.DeleteBatchJobRequest(
            namespace=namespace, name=name, resource_version=precondition(options), dry_run=dry
        )
        return (await call.unary(call.backend.batchjobs, "Delete", request)).job

"""sigma.v1.BatchJobs: submit, follow, cancel and delete batch jobs.

Like Apps, every change is the desired job plus its Task, written in one transaction.
Cancel keeps the job (phase CANCELLED, for inspection) and writes a DESTROY task while the job
has no deletion_timestamp: the workers stop its pods and leave the job. Delete marks the job
deleted and writes a DESTROY task that removes the pods and then the job.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver import validation
from sigma.apiserver.api._common import Api, Changes, new_task, task_name
from sigma.apiserver.api._common import service as common_service
from sigma.auth import WRITE
from sigma.errors import FailedPrecondition
from sigma.resources import BATCH_JOB
from sigma.rpc import Service
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, batch_pb2, task_pb2

_JOB = task_pb2.TASK_TARGET_KIND_BATCH_JOB
_FINISHED = (batch_pb2.BATCH_JOB_PHASE_SUCCEEDED, batch_pb2.BATCH_JOB_PHASE_FAILED)


class BatchJobsServicer(Changes[batch_pb2.BatchJob], apiserver_pb2_grpc.BatchJobsServicer):
    kind = BATCH_JOB
    target_kind = _JOB
    access = {**Changes.access, "Cancel": WRITE}
    change_response = apiserver_pb2.BatchJobChangeResponse
    response_field = "job"
    list_response = apiserver_pb2.ListBatchJobsResponse

    def validate(self, obj: batch_pb2.BatchJob, namespace: str) -> None:
        validation.batch_job(obj, namespace, self.api.limits)

    async def Cancel(
        self, request: apiserver_pb2.CancelBatchJobRequest, context: Any
    ) -> apiserver_pb2.BatchJobChangeResponse:
        """Stops the job's pods and keeps the job; repeating it returns the first cancel's task."""
        namespace = self.api.namespace(request.namespace)
        validation.cancel_batch_job(request)

        def apply(job: batch_pb2.BatchJob) -> task_pb2.Task | str:
            if job.status.phase == batch_pb2.BATCH_JOB_PHASE_CANCELLED:
                return task_name(_JOB, job, "cancel")
            if job.meta.HasField("deletion_timestamp"):
                raise FailedPrecondition(f"BatchJob {namespace}/{job.meta.name} is being deleted")
            if job.status.phase in _FINISHED:
                phase = batch_pb2.BatchJobPhase.Name(job.status.phase)
                raise FailedPrecondition(f"BatchJob {namespace}/{job.meta.name} already {phase}")
            job.status.phase = batch_pb2.BATCH_JOB_PHASE_CANCELLED
            job.status.message = request.reason or "cancelled"
            job.status.finish_time.CopyFrom(self.api.now())
            return new_task(self.api, job, _JOB, task_pb2.TASK_KIND_DESTROY, "cancel")

        return await self.changed(namespace, request, apply)


def service(api: Api) -> Service:
    return common_service(
        "sigma.v1.BatchJobs",
        BatchJobsServicer(api),
        apiserver_pb2_grpc.add_BatchJobsServicer_to_server,
    )

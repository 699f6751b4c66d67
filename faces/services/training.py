"""Training jobs: named actions on datasets, jobs and versions; the Celery tasks run them.

A job belongs to a dataset and a model version; it is queued, runs with progress, can be
cancelled (the running job stops at its next chunk), and a completed calibration can be applied
to its version's thresholds.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from faces.models import (
    ModelVersion,
    TrainingDataset,
    TrainingJob,
    TrainingJobKind,
    TrainingJobStatus,
    TrainingStatus,
)
from faces.services import calibration
from faces.services.versions import VersionError, production, set_thresholds

FINISHED = (TrainingJobStatus.COMPLETED, TrainingJobStatus.FAILED, TrainingJobStatus.CANCELLED)


class JobError(ValueError):
    pass


def start_dataset(name: str, user, *, person_ids=None, quality_floor: float = 0.45, validation_fraction=0.3):
    from faces.tasks import build_dataset

    if not name.strip():
        raise JobError("A dataset needs a name.")
    if not 0.05 <= validation_fraction <= 0.95:
        raise JobError("The validation share must lie between 0.05 and 0.95.")
    dataset = TrainingDataset.objects.create(
        name=name.strip()[:200],
        version=production().version,
        person_ids=[str(p) for p in person_ids or []],
        quality_floor=quality_floor,
        validation_fraction=validation_fraction,
        created_by=user,
    )
    transaction.on_commit(lambda: build_dataset.delay(str(dataset.pk)))
    return dataset


def start_calibration(dataset: TrainingDataset, version: ModelVersion, user, *, target_precision: float = 0.995):
    from faces.tasks import run_training_job

    if dataset.status != TrainingStatus.READY:
        raise JobError(f"Dataset {dataset.name} is {dataset.status}; calibrate on a ready dataset.")
    if not 0.5 <= target_precision < 1.0:
        raise JobError("The target precision must lie between 0.5 and 1 (e.g. 0.995).")
    job = TrainingJob.objects.create(
        dataset=dataset,
        kind=TrainingJobKind.CALIBRATE,
        model_version=version,
        model_version_from=version.version_string,
        model_version_to=version.version_string,
        target_precision=target_precision,
    )
    transaction.on_commit(lambda: run_training_job.delay(str(job.pk)))
    return job


def run_job(job_id) -> TrainingJob:
    """The task's body: a queued job runs once (a redelivered task finds it taken)."""
    claimed = TrainingJob.objects.filter(pk=job_id, status=TrainingJobStatus.QUEUED, cancel_requested=False).update(
        status=TrainingJobStatus.RUNNING, started_at=timezone.now(), progress=0.05
    )
    job = TrainingJob.objects.select_related("dataset", "model_version").get(pk=job_id)
    if not claimed:
        if job.cancel_requested and job.status == TrainingJobStatus.QUEUED:
            _finish(job, TrainingJobStatus.CANCELLED)
        return job
    try:
        metrics = calibration.calibrate(
            job, on_progress=lambda p: TrainingJob.objects.filter(pk=job.pk).update(progress=round(p, 3))
        )
    except calibration.Cancelled:
        return _finish(job, TrainingJobStatus.CANCELLED)
    except ValueError as exc:
        return _finish(job, TrainingJobStatus.FAILED, error=str(exc))
    except Exception as exc:
        _finish(job, TrainingJobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    return _finish(job, TrainingJobStatus.COMPLETED, metrics=metrics)


def _finish(job: TrainingJob, status: str, *, error: str = "", metrics: dict | None = None) -> TrainingJob:
    changes = {"status": status, "completed_at": timezone.now(), "error": error[:2000]}
    if metrics is not None:
        changes.update(metrics=metrics, progress=1.0)
    TrainingJob.objects.filter(pk=job.pk).update(**changes)
    job.refresh_from_db()
    return job


def cancel_job(job: TrainingJob) -> TrainingJob:
    if job.status in FINISHED:
        raise JobError(f"The job is {job.status} already.")
    TrainingJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    # A job no worker took yet is cancelled at once; a running one stops at its next chunk.
    TrainingJob.objects.filter(pk=job.pk, status=TrainingJobStatus.QUEUED).update(
        status=TrainingJobStatus.CANCELLED, completed_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def apply_calibration(job: TrainingJob, user) -> ModelVersion:
    """The calibrated thresholds become the version's operating thresholds (audited)."""
    metrics = job.metrics or {}
    if job.status != TrainingJobStatus.COMPLETED or metrics.get("match_threshold") is None:
        raise JobError("Only a completed calibration that reached its target precision can be applied.")
    version = job.model_version
    try:
        set_thresholds(
            version,
            user,
            match=metrics["match_threshold"],
            cluster=metrics.get("cluster_threshold") or version.cluster_threshold,
            reason=f"calibration {job.pk}",
        )
    except VersionError as exc:
        raise JobError(str(exc)) from exc
    TrainingJob.objects.filter(pk=job.pk).update(approved_by=user, approved_at=timezone.now())
    return version

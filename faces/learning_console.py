"""Console screens of the learning loop: model versions, datasets and training jobs (with the
calibration chart), and recognition quality from review actions. The views resolve what the
user may see and call the services in faces.services.{versions,training,quality_loop}; every
action is a named verb in ACTIONS with the "training" permission it needs."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from faces.models import GalleryStatus, ModelVersion, ReviewAction, TrainingDataset, TrainingJob, TrainingJobStatus
from faces.services import charts, quality_loop, training, versions

ACTIVE_JOBS = (TrainingJobStatus.QUEUED, TrainingJobStatus.RUNNING)


def _require(user, action: str = "read") -> None:
    if not policy.can(user, "training", action):
        raise PermissionDenied


def calibration_chart(job: TrainingJob):
    curves = (job.metrics or {}).get("curves")
    if not curves:
        return None
    return charts.line_chart(
        curves["threshold"],
        {"precision": curves["precision"], "recall": curves["recall"], "FMR": curves["fmr"], "FNMR": curves["fnmr"]},
        marker=job.metrics.get("match_threshold"),
        title=f"Calibration of {job.model_version_to}",
    )


def models_view(request):
    _require(request.user)
    jobs = list(TrainingJob.objects.restrict(request.user).select_related("dataset", "model_version")[:20])
    versions_list = list(ModelVersion.objects.restrict(request.user))
    busy = any(j.status in ACTIVE_JOBS for j in jobs) or any(
        v.gallery_status == GalleryStatus.EMBEDDING for v in versions_list
    )
    datasets = list(TrainingDataset.objects.restrict(request.user)[:20])
    busy = busy or any(d.status == "building" and not d.error for d in datasets)
    context = {
        **admin.site.each_context(request),
        "title": "Recognition models",
        "versions": versions_list,
        "production": versions.production(),
        "datasets": datasets,
        "ready_datasets": [d for d in datasets if d.status == "ready"],
        "jobs": [{"job": j, "chart": calibration_chart(j)} for j in jobs],
        "busy": busy,
        "may_trigger": policy.can(request.user, "training", "trigger"),
        "may_approve": policy.can(request.user, "training", "approve"),
    }
    return TemplateResponse(request, "admin/console/models.html", context)


def _week_chart(report: dict, version: str):
    weeks = [w for w in report["weeks"] if w["model_version"] == version]
    if not weeks:
        return None
    return charts.line_chart(
        [w["week"] for w in weeks],
        {"precision": [w["precision"] for w in weeks], "recall": [w["recall"] for w in weeks]},
        x_labels=[w["week"][5:] for w in weeks],
        title=f"Weekly precision and recall of {version}",
    )


def quality_view(request):
    """Precision and recall estimates from the reviews of the sites the user may see."""
    if not policy.can(request.user, "persons", "read"):
        raise PermissionDenied
    report = quality_loop.quality_report(ReviewAction.objects.restrict(request.user)).as_dict()
    context = {
        **admin.site.each_context(request),
        "title": "Recognition quality",
        "report": report,
        "charts": [(v["model_version"], _week_chart(report, v["model_version"])) for v in report["versions"]],
        "floor": settings.ORIN_FACE_PRECISION_ALERT,
    }
    return TemplateResponse(request, "admin/console/quality.html", context)


class LearningForm(forms.Form):
    action = forms.ChoiceField(choices=lambda: [(a, a) for a in ACTIONS])
    name = forms.CharField(required=False, max_length=200)
    pack_path = forms.CharField(required=False, max_length=500)
    dataset = forms.UUIDField(required=False)
    version = forms.UUIDField(required=False)
    job = forms.UUIDField(required=False)
    target_precision = forms.FloatField(required=False, min_value=0.5, max_value=0.9999)
    validation_fraction = forms.FloatField(required=False, min_value=0.05, max_value=0.95)
    quality_floor = forms.FloatField(required=False, min_value=0.0, max_value=1.0)
    match_threshold = forms.FloatField(required=False, min_value=0.01, max_value=0.99)
    cluster_threshold = forms.FloatField(required=False, min_value=0.01, max_value=0.99)


def _version(request, data) -> ModelVersion:
    return get_object_or_404(ModelVersion.objects.restrict(request.user), pk=data["version"])


def _job(request, data) -> TrainingJob:
    return get_object_or_404(TrainingJob.objects.restrict(request.user), pk=data["job"])


def _build_dataset(request, data) -> str:
    floor = data["quality_floor"] if data["quality_floor"] is not None else 0.45
    share = data["validation_fraction"] or 0.3
    dataset = training.start_dataset(data["name"] or "", request.user, quality_floor=floor, validation_fraction=share)
    return f"Building dataset {dataset.name} in the background."


def _calibrate(request, data) -> str:
    dataset = get_object_or_404(TrainingDataset.objects.restrict(request.user), pk=data["dataset"])
    version = _version(request, data) if data["version"] else versions.ensure_production_version()
    job = training.start_calibration(dataset, version, request.user, target_precision=data["target_precision"] or 0.995)
    return f"Calibration of {version.version_string} on {dataset.name} queued ({job.pk})."


def _cancel(request, data) -> str:
    job = training.cancel_job(_job(request, data))
    return f"Job {job.pk} is {job.status}" + (" (stops at its next step)." if job.status == "running" else ".")


def _apply(request, data) -> str:
    version = training.apply_calibration(_job(request, data), request.user)
    match, cluster = version.match_threshold, version.cluster_threshold
    return f"{version.version_string} now matches at {match:.2f}, clusters at {cluster:.2f}."


def _add_version(request, data) -> str:
    version = versions.create_version(data["name"] or "", data["pack_path"] or "")
    _reembed(request, {"version": version.pk})
    return f"Version {version.version_string} added; its gallery is being embedded in the background."


def _reembed(request, data) -> str:
    from faces.tasks import reembed_gallery

    version = _version(request, data)
    reembed_gallery.delay(str(version.pk))
    return f"Re-embedding the gallery for {version.version_string} (resumes where it stopped)."


def _promote(request, data) -> str:
    version = versions.promote(_version(request, data), request.user)
    return f"{version.version_string} is in production."


def _rollback(request, data) -> str:
    return f"Rolled back: {versions.rollback(request.user).version_string} is in production."


def _thresholds(request, data) -> str:
    version = _version(request, data)
    match, cluster = data["match_threshold"], data["cluster_threshold"]
    if match is None or cluster is None:
        raise training.JobError("Give both thresholds.")
    versions.set_thresholds(version, request.user, match=match, cluster=cluster, reason="set by hand")
    return f"{version.version_string}: match {match:.2f}, cluster {cluster:.2f}; unknown faces are re-matched."


# Verb → (the "training" permission it needs, its handler).
ACTIONS = {
    "build_dataset": ("trigger", _build_dataset),
    "calibrate": ("trigger", _calibrate),
    "cancel": ("trigger", _cancel),
    "add_version": ("trigger", _add_version),
    "reembed": ("trigger", _reembed),
    "apply": ("approve", _apply),
    "promote": ("approve", _promote),
    "rollback": ("approve", _rollback),
    "thresholds": ("approve", _thresholds),
}


@require_POST
def models_act(request):
    form = LearningForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not form.is_valid():
        body = {"errors": form.errors.get_json_data(), "message": "Invalid request."}
        status = 400
    else:
        need, handler = ACTIONS[form.cleaned_data["action"]]
        _require(request.user, need)
        try:
            body, status = {"message": handler(request, form.cleaned_data)}, 200
        except (training.JobError, versions.VersionError) as exc:
            body, status = {"message": str(exc)}, 400
    if wants_json:
        return JsonResponse(body, status=status)
    (messages.success if status == 200 else messages.error)(request, body["message"])
    return redirect(reverse("admin:console_models"))

"""Console screens for video evidence: an alert's clip (or why there is none), a camera's
recordings with range export, export progress, and the policy-checked MP4 route with Range.
Thin views over video.services; every row goes through `restrict()`."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from accounts.services.audit import record_access
from alerts.models import Alert
from surveillance.models import Camera, VideoClip
from video.forms import ExportForm, RecordingsForm
from video.models import ClipRequest, Recording
from video.services import clips, playback


def _page(request, template: str, title: str, **context) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), "title": title, **context})


def clip_url(clip: VideoClip | None) -> str | None:
    return reverse("admin:console_video_clip", args=[clip.pk]) if clip else None


def alert_evidence(request, alert_id):
    alert = get_object_or_404(Alert.objects.restrict(request.user).select_related("camera"), pk=alert_id)
    can_view = policy.can(request.user, "media", "read")
    clip_request = None
    if can_view:
        clip_request = (
            ClipRequest.objects.restrict(request.user).select_related("video_clip").filter(alert=alert).first()
        )
    return _page(
        request,
        "admin/console/video_alert.html",
        f"Evidence for alert: {alert.alert_type.replace('_', ' ')}",
        alert=alert,
        can_view=can_view,
        clip_request=clip_request,
        clip_src=clip_url(clip_request.video_clip) if clip_request else None,
        records=clips.camera_records(alert.camera),
    )


def clip_file(request, clip_id):
    """The MP4 of a clip the user may see; 206 for byte ranges (the <video> element seeks)."""
    clip = get_object_or_404(VideoClip.objects.restrict(request.user).select_related("media_file"), pk=clip_id)
    if request.headers.get("Range", "bytes=0-").startswith("bytes=0-"):
        # A player's first request (a whole file or its start); the seeks that follow are not
        # separate viewings.
        record_access(
            request.user, "media_download", "video_clip", clip.pk, request=request, name=clip.media_file.storage_path
        )
    try:
        response = playback.ranged_response(request, clip.media_file.storage_path)
    except playback.ClipMissing as exc:
        raise Http404("The clip is no longer in storage.") from exc
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def camera_recordings(request, camera_id):
    if not policy.can(request.user, "media", "read"):
        raise PermissionDenied
    camera = get_object_or_404(Camera.objects.restrict(request.user), pk=camera_id)
    form = RecordingsForm(request.GET or None)
    hours = form.cleaned_data["hours"] if form.is_valid() else 1
    until = timezone.now()
    since = until - dt.timedelta(hours=hours)
    rows = list(
        Recording.objects.restrict(request.user)
        .filter(camera=camera, end_time__gt=since, start_time__lt=until)
        .order_by("start_time")[:2000]
    )
    span = (until - since).total_seconds()
    bars = [
        {
            "kind": r.kind,
            "left": max(0.0, (r.start_time - since).total_seconds() / span * 100),
            "width": max(0.05, (min(r.end_time, until) - max(r.start_time, since)).total_seconds() / span * 100),
            "title": f"{r.start_time:%H:%M:%S}–{r.end_time:%H:%M:%S} {r.kind}" + (f": {r.reason}" if r.reason else ""),
        }
        for r in rows
    ]
    export_form = ExportForm(
        initial={"start": (until - dt.timedelta(minutes=1)).replace(microsecond=0), "end": until.replace(microsecond=0)}
    )
    return _page(
        request,
        "admin/console/video_camera.html",
        f"Recordings of {camera.name}",
        camera=camera,
        form=form,
        bars=bars,
        gaps=[r for r in rows if r.kind == "gap"][-20:],
        segments=sum(1 for r in rows if r.kind == "segment"),
        since=since,
        until=until,
        records=clips.camera_records(camera),
        can_export=policy.can(request.user, "media", "export"),
        export_form=export_form,
        exports=ClipRequest.objects.restrict(request.user).filter(camera=camera, alert__isnull=True)[:10],
    )


def export_range(request, camera_id):
    if request.method != "POST":
        return JsonResponse({"error": "POST a start, an end and a reason"}, status=405)
    if not policy.can(request.user, "media", "export"):
        raise PermissionDenied
    camera = get_object_or_404(Camera.objects.restrict(request.user), pk=camera_id)
    form = ExportForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": "invalid export", "fields": form.errors.get_json_data()}, status=400)
    try:
        export = clips.request_export(
            camera=camera, start=form.cleaned_data["start"], end=form.cleaned_data["end"], user=request.user,
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    except clips.ClipUnavailable as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    record_access(request.user, "media_export", "camera", camera.pk, request=request, export=str(export.pk))
    return redirect("admin:console_video_export", export.pk)


def _export_state(export: ClipRequest) -> dict:
    return {
        "id": str(export.pk),
        "status": export.status,
        "progress": export.progress,
        "message": export.message,
        "clip": clip_url(export.video_clip),
        "download": clip_url(export.video_clip),
    }


def export_status(request, request_id):
    export = get_object_or_404(
        ClipRequest.objects.restrict(request.user).select_related("camera", "video_clip"), pk=request_id
    )
    if request.GET.get("format") == "json":
        return JsonResponse(_export_state(export))
    return _page(request, "admin/console/video_export.html", "Clip export", export=export, state=_export_state(export))


def live_picture(request, camera_id):
    """The camera's newest picture (written by the recorder twice a second); never cached."""
    from video.services.recorder import live_picture_path

    if not policy.can(request.user, "media", "read"):
        raise Http404("No such camera.")
    camera = get_object_or_404(Camera.objects.restrict(request.user), pk=camera_id)
    path = live_picture_path(camera.pk)
    try:
        data, age = path.read_bytes(), timezone.now().timestamp() - path.stat().st_mtime
    except OSError as exc:
        raise Http404("No live picture: the camera is not being recorded.") from exc
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    response["X-Picture-Age"] = f"{age:.2f}"
    return response


def live_grid(request):
    """Every recording camera the user may see, refreshed twice a second."""
    if not policy.can(request.user, "media", "read"):
        raise PermissionDenied
    cameras = Camera.objects.restrict(request.user).filter(is_active=True, config__recording=True)
    return _page(
        request, "admin/console/video_live.html", "Live view", cameras=list(cameras.select_related("dvr__site"))
    )

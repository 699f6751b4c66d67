from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from accounts.rest.access import PolicyViewSetMixin, restrict_for
from accounts.rest.filters import ListFiltersOnlyMixin
from accounts.rest.pagination import KeysetPagination
from accounts.services.audit import record_access
from surveillance.models import Camera
from video.models import ClipRequest, Recording
from video.rest import filters
from video.rest import serializers as s
from video.services import clips


class RecordingViewSet(ListFiltersOnlyMixin, PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Recorded segments and gaps, newest first."""

    queryset = Recording.objects.all()
    serializer_class = s.RecordingSerializer
    filterset_class = filters.RecordingFilter
    pagination_class = KeysetPagination
    cursor_time_field = "start_time"


class ClipRequestViewSet(
    ListFiltersOnlyMixin, PolicyViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Clips around alerts and exports of a recorded range (POST: media.export; cut in the
    background — poll `status` and `progress`)."""

    queryset = ClipRequest.objects.select_related("video_clip__media_file")
    serializer_class = s.ClipRequestSerializer
    filterset_class = filters.ClipRequestFilter
    policy_actions = {"create": "export"}

    @extend_schema(request=s.ExportRequestSerializer, responses={201: s.ClipRequestSerializer})
    def create(self, request, *args, **kwargs):
        data = s.ExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        camera_id = data.validated_data["camera"].pk
        camera = restrict_for(request, Camera.objects.filter(pk=camera_id)).first()
        if camera is None:
            raise NotFound("no such camera")
        try:
            export = clips.request_export(
                camera=camera, start=data.validated_data["start_time"], end=data.validated_data["end_time"],
                user=request.user, reason=data.validated_data["reason"],
            )  # fmt: skip
        except clips.ClipUnavailable as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        record_access(request.user, "media_export", "camera", camera.pk, request=request, export=str(export.pk))
        return Response(s.ClipRequestSerializer(export).data, status=status.HTTP_201_CREATED)

"""REST endpoints of the faces app: frame ingest for edge devices, and "who is this?"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.authentication import DeviceKeyAuthentication
from accounts.policy import can
from accounts.rest.access import restrict_for
from faces.services.ingest import FrameRejected, resolve_camera, submit_frame
from faces.services.model_pack import ModelPackError
from faces.services.review import NoFaceFound, identify_face
from surveillance.rest.media import signed_download
from surveillance.services.media_access import find_visible_media


class FrameIngestSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG, WebP or BMP frame")
    camera = serializers.UUIDField(help_text="Camera id")
    timestamp = serializers.DateTimeField(help_text="Capture time, ISO 8601 with a time zone")
    detections = serializers.JSONField(
        required=False, help_text='Optional face boxes: [{"x", "y", "width", "height", "score"?, "landmarks"?}]'
    )
    frame_key = serializers.CharField(required=False, max_length=200, help_text="Idempotency key of the frame")


class FrameAcceptedSerializer(serializers.Serializer):
    frame_id = serializers.CharField()
    status = serializers.CharField()


class CanWriteEvents(permissions.BasePermission):
    message = "this key or user may not post detections (events: write)"

    def has_permission(self, request, view) -> bool:
        return can(request.user, "events", "write")


def read_upload(upload, limit: int | None = None) -> bytes:
    """The uploaded bytes, refusing early (without reading it all) when the declared size is too big."""
    from django.conf import settings

    limit = limit or settings.ORIN_MAX_FRAME_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"image": [f"the image is {upload.size} bytes; the limit is {limit} bytes"]})
    return upload.read()


class FrameIngestView(APIView):
    """POST a frame (multipart) from an edge device; answers 202 with the frame id once it is
    stored and queued for recognition. Authenticated by a device API key."""

    authentication_classes = [DeviceKeyAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    permission_classes = [permissions.IsAuthenticated, CanWriteEvents]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=FrameIngestSerializer, responses={202: FrameAcceptedSerializer})
    def post(self, request):
        form = FrameIngestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            camera = resolve_camera(data["camera"])
            if not self.may_post_for(request, camera):
                raise FrameRejected("camera", f"unknown camera {data['camera']}")
            frame_key = submit_frame(
                camera=camera,
                image_bytes=read_upload(data["image"]),
                timestamp=data["timestamp"],
                detections=data.get("detections"),
                frame_key=data.get("frame_key"),
                source="api",
            )
        except FrameRejected as exc:
            raise ValidationError({exc.field: [exc.message]}) from exc
        return Response({"frame_id": frame_key, "status": "queued"}, status=status.HTTP_202_ACCEPTED)

    @staticmethod
    def may_post_for(request, camera) -> bool:
        """A key narrowed to sites/cameras posts only for those; a user only for their sites.
        Refused cameras read as unknown, so keys cannot probe for other sites' camera ids."""
        from surveillance.models import Camera

        return restrict_for(request, Camera.objects.filter(pk=camera.pk)).exists()


class FaceModelsUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "the face models are not available"
    default_code = "face_models_unavailable"


class FaceSearchSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A photo with the face to look for")
    top_k = serializers.IntegerField(required=False, min_value=1, max_value=50, default=5)


class FaceMatchSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["person", "cluster"])
    id = serializers.UUIDField()
    label = serializers.CharField()
    similarity = serializers.FloatField()
    status = serializers.CharField()
    crop_url = serializers.CharField(allow_null=True)


class FaceSearchView(APIView):
    """ "Who is this?": the top-k persons and unknown clusters nearest to the uploaded face."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=FaceSearchSerializer, responses={200: FaceMatchSerializer(many=True)})
    def post(self, request):
        if not can(request.user, "persons", "read"):
            raise PermissionDenied("you may not look up persons")
        form = FaceSearchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            matches = identify_face(
                request.user,
                read_upload(form.validated_data["image"]),
                form.validated_data["top_k"],
                request=request,
                via="api",
            )
        except NoFaceFound as exc:
            raise ValidationError({"image": [str(exc)]}) from exc
        except ModelPackError as exc:
            raise FaceModelsUnavailable(str(exc)) from exc
        rows = [
            {
                "kind": m.kind,
                "id": m.id,
                "label": m.label,
                "similarity": round(m.similarity, 4),
                "status": m.status,
                # Only a crop the caller may see (a cluster seen at their site may have its nearest
                # face at another); the link is checked again on download.
                "crop_url": signed_download(request, m.crop_path)[0]
                if m.crop_path and find_visible_media(request.user, m.crop_path)
                else None,
            }
            for m in matches
        ]
        return Response({"results": FaceMatchSerializer(rows, many=True).data})

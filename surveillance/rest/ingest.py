"""`POST /api/v1/ingest/events`: a batch of detections from an edge detector.

The body is a JSON list (at most ORIN_INGEST_MAX_BATCH items). Each item may carry a `key`
(unique per producer, e.g. "<camera>:<frame>:<n>"): re-sending a batch stores nothing twice.
Every camera must be one the sender may see (its sites, and a device key's own cameras/sites).
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.rest.access import PolicyPermission, restrict_for
from accounts.rest.fields import JSONObjectField
from surveillance.models import Camera, Event, EventType
from surveillance.services.detections import ingest_detections

BOX_KEYS = ("x", "y", "width", "height")


class DetectionSerializer(serializers.Serializer):
    key = serializers.RegexField(
        r"^[A-Za-z0-9_.:\-/]{1,100}$",
        required=False,
        help_text="Client key making the detection idempotent (letters, digits, _ . : - /)",
    )
    camera = serializers.UUIDField()
    event_type = serializers.ChoiceField(choices=EventType.choices)
    confidence = serializers.FloatField(min_value=0, max_value=1)
    bounding_box = JSONObjectField(
        help_text='Pixels: {"x", "y", "width", "height"} and optionally "frame_width", "frame_height"'
    )
    timestamp = serializers.DateTimeField()
    frame_number = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**63 - 1)
    person = serializers.UUIDField(required=False, allow_null=True)
    cluster = serializers.UUIDField(required=False, allow_null=True)
    image_path = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    metadata = JSONObjectField(required=False)

    def validate_bounding_box(self, box: dict) -> dict:
        for name in BOX_KEYS:
            value = box.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise serializers.ValidationError(f'"{name}" must be a number ≥ 0')
        if box["width"] <= 0 or box["height"] <= 0:
            raise serializers.ValidationError("width and height must be positive")
        return box

    def validate_metadata(self, metadata: dict) -> dict:
        # A track id groups detections for behaviour analytics (surveillance.services.tracks).
        track_id = metadata.get("track_id")
        if track_id is not None and (
            isinstance(track_id, bool) or not isinstance(track_id, str | int) or not 0 < len(str(track_id)) <= 100
        ):
            raise serializers.ValidationError('"track_id" must be a string or integer of 1 to 100 characters')
        label = metadata.get("label")
        if label is not None and (not isinstance(label, str) or not 0 < len(label) <= 50):
            raise serializers.ValidationError('"label" must be a class name such as "backpack" (1 to 50 characters)')
        return metadata

    def validate_timestamp(self, value: dt.datetime) -> dt.datetime:
        skew = settings.ORIN_MAX_CLOCK_SKEW_SECONDS
        if value > timezone.now() + dt.timedelta(seconds=skew):
            raise serializers.ValidationError(f"in the future (more than {skew} s ahead of the server)")
        return value


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Keyed detections already stored earlier")
    alerts = serializers.IntegerField(help_text="Alerts raised by the rules for the new events")
    event_ids = serializers.ListField(child=serializers.UUIDField(), help_text="In the order received")


def _referenced(field: str):
    return Event._meta.get_field(field).related_model._default_manager.all()


def _check_references(request, items: list[dict]) -> list[dict]:
    """Cameras the sender may post for, and persons/clusters that exist; per-item errors."""
    camera_ids = {item["camera"] for item in items}
    cameras = {c.id: c for c in restrict_for(request, Camera.objects.select_related("dvr").filter(id__in=camera_ids))}
    # Persons and clusters are the models Event points at (the faces app's), found through the
    # Event's foreign keys so that surveillance does not import the apps above it.
    persons = set(
        _referenced("person")
        .filter(id__in={i["person"] for i in items if i.get("person")})
        .values_list("id", flat=True)
    )
    clusters = set(
        restrict_for(
            request, _referenced("cluster").filter(id__in={i["cluster"] for i in items if i.get("cluster")})
        ).values_list("id", flat=True)
    )
    errors, detections = [], []
    for item in items:
        error = {}
        camera = cameras.get(item["camera"])
        if camera is None:
            error["camera"] = ["unknown camera, or not one this sender may post for"]
        elif not camera.is_active:
            error["camera"] = [f'camera "{camera.name}" is inactive']
        if item.get("person") and item["person"] not in persons:
            error["person"] = ["unknown person"]
        if item.get("cluster") and item["cluster"] not in clusters:
            error["cluster"] = ["unknown cluster, or one not seen at your sites"]
        errors.append(error)
        detections.append(
            {
                **item,
                "camera_id": item["camera"],
                "person_id": item.get("person"),
                "cluster_id": item.get("cluster"),
            }
        )
    if any(errors):
        raise ValidationError(errors)
    return detections


class IngestEventsView(APIView):
    """Store a batch of detections (events) and run the alert rules on them."""

    permission_classes = [permissions.IsAuthenticated, PolicyPermission]
    throttle_scope = "ingest"

    def policy_rule(self, request) -> tuple[str, str]:
        return "events", "write"

    @extend_schema(
        request=DetectionSerializer(many=True),
        responses={201: IngestResultSerializer, 200: IngestResultSerializer},
        tags=["ingest"],
        description=__doc__,
    )
    def post(self, request):
        max_batch = settings.ORIN_INGEST_MAX_BATCH
        batch = DetectionSerializer(data=request.data, many=True, allow_empty=False, max_length=max_batch)
        batch.is_valid(raise_exception=True)
        detections = _check_references(request, batch.validated_data)
        result = ingest_detections(detections, producer=str(request.user.pk))
        body = {
            "received": len(detections),
            "created": result.created,
            "duplicates": result.duplicates,
            "alerts": result.alerts,
            "event_ids": result.event_ids,
        }
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(IngestResultSerializer(body).data, status=code)

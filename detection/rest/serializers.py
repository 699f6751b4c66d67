"""Guards (with their catch statistics) and detection events with a review action."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers

from accounts.rest.access import ScopedRelatedField
from accounts.rest.fields import JSONObjectField
from detection.models import Guard, GuardCamera, Verdict
from detection.services.detector import COCO_CLASSES
from detection.services.guards import success_rate
from surveillance.models import Camera, CameraZone, Event, Site


class GuardSerializer(serializers.ModelSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all())
    cameras = ScopedRelatedField(queryset=Camera.objects.all(), many=True, required=False)
    zones = ScopedRelatedField(queryset=CameraZone.objects.all(), many=True, required=False)
    classes = serializers.ListField(
        child=serializers.ChoiceField(choices=COCO_CLASSES), required=False, help_text="for custom guards"
    )
    schedule = JSONObjectField(required=False)
    min_confidence = serializers.FloatField(read_only=True)
    catches = serializers.SerializerMethodField()
    false_positives = serializers.IntegerField(read_only=True, default=0)
    success_rate = serializers.SerializerMethodField()

    class Meta:
        model = Guard
        fields = [
            "id", "site", "name", "guard_type", "classes", "sensitivity", "min_confidence", "schedule",
            "zones", "cameras", "notify", "is_active", "catches", "false_positives", "success_rate",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_catches(self, guard) -> int:
        return self.context.get("catches", {}).get(str(guard.id), 0)

    def get_success_rate(self, guard) -> float | None:
        return success_rate(self.get_catches(guard), getattr(guard, "false_positives", 0) or 0)

    def validate(self, attrs):
        site = attrs.get("site") or getattr(self.instance, "site", None)
        for camera in attrs.get("cameras", []):
            if camera.dvr.site_id != site.id:
                raise serializers.ValidationError({"cameras": f"camera {camera.id} belongs to another site"})
        for zone in attrs.get("zones", []):
            if zone.camera.dvr.site_id != site.id:
                raise serializers.ValidationError({"zones": f"zone {zone.id} belongs to another site"})
        probe = Guard(**{k: v for k, v in attrs.items() if k not in ("cameras", "zones")})
        if self.instance is not None:
            for field in ("guard_type", "classes", "schedule"):
                if field not in attrs:
                    setattr(probe, field, getattr(self.instance, field))
        try:
            probe.clean()
            probe.clean_fields(exclude=["site", "name", "id"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from None
        return attrs

    @transaction.atomic
    def create(self, validated):
        cameras, zones = validated.pop("cameras", []), validated.pop("zones", [])
        guard = Guard.objects.create(**validated)
        guard.zones.set(zones)
        GuardCamera.objects.bulk_create([GuardCamera(guard=guard, camera=c) for c in cameras])
        return guard

    @transaction.atomic
    def update(self, guard, validated):
        cameras, zones = validated.pop("cameras", None), validated.pop("zones", None)
        guard = super().update(guard, validated)
        if zones is not None:
            guard.zones.set(zones)
        if cameras is not None:
            GuardCamera.objects.filter(guard=guard).exclude(camera__in=cameras).delete()
            have = set(GuardCamera.objects.filter(guard=guard).values_list("camera_id", flat=True))
            GuardCamera.objects.bulk_create([GuardCamera(guard=guard, camera=c) for c in cameras if c.id not in have])
        return guard


class DetectionSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    track_id = serializers.SerializerMethodField()
    guard = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id", "camera", "event_type", "label", "track_id", "guard", "confidence", "bounding_box",
            "image_path", "timestamp", "metadata", "reviewed", "review_action",
        ]  # fmt: skip

    def get_label(self, event) -> str | None:
        return (event.metadata or {}).get("label")

    def get_track_id(self, event) -> str | None:
        return (event.metadata or {}).get("track_id")

    def get_guard(self, event) -> str | None:
        return (event.metadata or {}).get("guard_id")


class ReviewSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

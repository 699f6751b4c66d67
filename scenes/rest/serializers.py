from __future__ import annotations

from rest_framework import serializers

from scenes.models import SceneDescription


class SceneDescriptionSerializer(serializers.ModelSerializer):
    site = serializers.UUIDField(source="camera.dvr.site_id", read_only=True)

    class Meta:
        model = SceneDescription
        fields = [
            "id",
            "camera",
            "site",
            "event",
            "event_timestamp",
            "alert",
            "incident_id",
            "request_type",
            "status",
            "error",
            "attempts",
            "description",
            "model_name",
            "endpoint_url",
            "latency_ms",
            "prompt_tokens",
            "completion_tokens",
            "total_tokens",
            "created_at",
            "sent_at",
            "completed_at",
        ]
        read_only_fields = fields


class DescribeRequestSerializer(serializers.Serializer):
    """What to describe: exactly one of an event or an alert."""

    event = serializers.UUIDField(required=False)
    alert = serializers.UUIDField(required=False)

    def validate(self, attrs):
        if bool(attrs.get("event")) == bool(attrs.get("alert")):
            raise serializers.ValidationError("give exactly one of `event` or `alert`")
        return attrs

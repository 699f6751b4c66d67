from django.urls import reverse
from rest_framework import serializers

from surveillance.models import Camera
from video.models import ClipRequest, Recording


class RecordingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recording
        fields = [
            "id", "camera", "kind", "start_time", "end_time", "duration_seconds", "file_size_bytes",
            "resolution", "fps", "codec", "reason",
        ]  # fmt: skip


class ClipRequestSerializer(serializers.ModelSerializer):
    clip_url = serializers.SerializerMethodField(help_text="Console MP4 route (Range supported) once ready")
    checksum = serializers.SerializerMethodField(help_text="SHA-256 of the clip once ready")

    class Meta:
        model = ClipRequest
        fields = [
            "id", "camera", "alert", "event_id", "start_time", "end_time", "status", "message", "progress",
            "reason", "video_clip", "clip_url", "checksum", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "alert",
            "event_id",
            "status",
            "message",
            "progress",
            "video_clip",
            "created_at",
            "updated_at",
        ]

    def get_clip_url(self, obj: ClipRequest) -> str | None:
        if not obj.video_clip_id:
            return None
        return reverse("admin:console_video_clip", args=[obj.video_clip_id])

    def get_checksum(self, obj: ClipRequest) -> str | None:
        return obj.video_clip.media_file.checksum if obj.video_clip_id else None


class ExportRequestSerializer(serializers.Serializer):
    camera = serializers.PrimaryKeyRelatedField(queryset=Camera.objects.all())
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["end_time"] <= attrs["start_time"]:
            raise serializers.ValidationError({"end_time": "must be after start_time"})
        return attrs

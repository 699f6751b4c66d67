"""Serializers for sites, recorders, cameras, zones, events, media and device logs.

Device credentials never leave the server: DVR username/password and a site's VPN config are
write-only, and a camera's stream URL is shown (without its user:password) only to those who
may configure that site's devices (policy.can_see_device_credentials)."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts import policy
from accounts.rest.access import ScopedRelatedField
from accounts.rest.fields import JSONObjectField, redacted_url
from surveillance.models import (
    DVR,
    Camera,
    CameraZone,
    DashboardStats,
    DeviceConnectivityLog,
    Event,
    MediaFile,
    RecentEvent,
    Site,
    SuspiciousActivityEvent,
    SystemHealthLog,
    VideoClip,
)
from surveillance.rest.media import signed_download
from surveillance.services.camera_settings import validate_camera_config
from surveillance.services.zones import polygon_crosses_itself

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class SiteSerializer(serializers.ModelSerializer):
    vpn_config = JSONObjectField(write_only=True, required=False, allow_null=True, help_text="Write-only")
    has_vpn_config = serializers.SerializerMethodField()

    class Meta:
        model = Site
        fields = ["id", "name", "address", "timezone", "vpn_config", "has_vpn_config", "created_at"]
        read_only_fields = ["created_at"]

    def get_has_vpn_config(self, site: Site) -> bool:
        return bool(site.vpn_config)

    def validate_timezone(self, value: str) -> str:
        if value not in _timezones():
            raise serializers.ValidationError("not a known IANA time zone (e.g. Europe/Paris)")
        return value


class DVRSerializer(serializers.ModelSerializer):
    site = ScopedRelatedField(queryset=Site.objects.all())
    username = serializers.CharField(write_only=True, required=False, allow_null=True, allow_blank=True, max_length=200)
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=200,
        style={"input_type": "password"},
    )
    has_credentials = serializers.SerializerMethodField()
    ports = JSONObjectField(required=False)

    class Meta:
        model = DVR
        fields = [
            "id",
            "site",
            "name",
            "brand",
            "model",
            "ip_address",
            "ports",
            "firmware_version",
            "username",
            "password",
            "has_credentials",
            "status",
            "last_seen",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_seen", "created_at", "updated_at"]

    def get_has_credentials(self, dvr: DVR) -> bool:
        return bool(dvr.username or dvr.password)


class CameraSerializer(serializers.ModelSerializer):
    dvr = ScopedRelatedField(queryset=DVR.objects.all())
    site = serializers.UUIDField(source="dvr.site_id", read_only=True)
    rtsp_url = serializers.CharField(
        write_only=True, required=False, allow_null=True, allow_blank=True, max_length=2000, help_text="Write-only"
    )
    stream_url = serializers.SerializerMethodField(
        help_text="The stream URL without credentials; only for those who may configure the site's devices"
    )
    config = JSONObjectField(required=False)

    class Meta:
        model = Camera
        fields = [
            "id",
            "dvr",
            "site",
            "channel_number",
            "name",
            "location",
            "rtsp_url",
            "stream_url",
            "resolution",
            "fps",
            "status",
            "is_active",
            "last_frame_time",
            "config",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_frame_time", "created_at", "updated_at"]
        extra_kwargs = {"channel_number": {"min_value": 0}, "fps": {"min_value": 1, "max_value": 1000}}

    def validate_config(self, value: dict) -> dict:
        try:
            validate_camera_config(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def get_stream_url(self, camera: Camera) -> str | None:
        request = self.context.get("request")
        if request is None or not policy.can_see_device_credentials(request.user, camera.dvr.site_id):
            return None
        return redacted_url(camera.rtsp_url)


class ZoneSerializer(serializers.ModelSerializer):
    camera = ScopedRelatedField(queryset=Camera.objects.all())
    polygon_points = serializers.JSONField(help_text='Normalised vertices, at least 3: [{"x": 0.1, "y": 0.2}, ...]')

    class Meta:
        model = CameraZone
        fields = ["id", "camera", "name", "zone_type", "polygon_points", "color", "is_active", "created_at"]
        read_only_fields = ["created_at"]

    def validate_polygon_points(self, points):
        if not isinstance(points, list) or not 3 <= len(points) <= 100:
            raise serializers.ValidationError("a list of 3 to 100 points is required")
        cleaned = []
        for point in points:
            if not isinstance(point, dict) or set(point) != {"x", "y"}:
                raise serializers.ValidationError('each point is {"x": number, "y": number}')
            x, y = point["x"], point["y"]
            if any(isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1 for v in (x, y)):
                raise serializers.ValidationError("coordinates are fractions of the frame, between 0 and 1")
            cleaned.append({"x": float(x), "y": float(y)})
        if polygon_crosses_itself([(p["x"], p["y"]) for p in cleaned]):
            raise serializers.ValidationError("the polygon crosses itself; list its points in order around the edge")
        return cleaned

    def validate_color(self, value):
        if value and not HEX_COLOR.match(value):
            raise serializers.ValidationError("a #RRGGBB colour is required")
        return value


class EventSerializer(serializers.ModelSerializer):
    site = serializers.UUIDField(source="site_id", read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "camera",
            "site",
            "event_type",
            "person",
            "cluster",
            "confidence",
            "bounding_box",
            "image_path",
            "video_clip_path",
            "timestamp",
            "frame_number",
            "metadata",
            "reviewed",
            "review_action",
            "created_at",
        ]
        read_only_fields = fields


class SuspiciousActivityEventSerializer(serializers.ModelSerializer):
    site = serializers.UUIDField(source="site_id", read_only=True)

    class Meta:
        model = SuspiciousActivityEvent
        fields = [
            "id",
            "camera",
            "site",
            "event",
            "activity_type",
            "zone",
            "confidence",
            "severity",
            "details",
            "image_path",
            "video_clip_path",
            "timestamp",
            "alert_sent",
            "created_at",
        ]
        read_only_fields = fields


class SignedDownloadMixin(serializers.Serializer):
    download_url = serializers.SerializerMethodField(help_text="Signed link, valid until download_expires_at")
    download_expires_at = serializers.SerializerMethodField()

    def _signed(self, obj) -> tuple[str | None, str | None]:
        cache_attr = "_signed_download"
        if not hasattr(obj, cache_attr):
            request = self.context.get("request")
            setattr(obj, cache_attr, signed_download(request, self.download_target(obj)) if request else (None, None))
        return getattr(obj, cache_attr)

    def download_target(self, obj) -> str | None:
        """The stored file's name."""
        raise NotImplementedError

    def get_download_url(self, obj) -> str | None:
        return self._signed(obj)[0]

    def get_download_expires_at(self, obj) -> str | None:
        return self._signed(obj)[1]


class MediaFileSerializer(SignedDownloadMixin, serializers.ModelSerializer):
    class Meta:
        model = MediaFile
        fields = [
            "id",
            "file_type",
            "file_size",
            "checksum",
            "camera",
            "event",
            "timestamp",
            "retention_until",
            "created_at",
            "download_url",
            "download_expires_at",
        ]
        read_only_fields = fields

    def download_target(self, media: MediaFile) -> str | None:
        return media.storage_path


class VideoClipSerializer(SignedDownloadMixin, serializers.ModelSerializer):
    class Meta:
        model = VideoClip
        fields = [
            "id",
            "media_file",
            "camera",
            "event",
            "duration",
            "start_time",
            "end_time",
            "format",
            "size_bytes",
            "created_at",
            "download_url",
            "download_expires_at",
        ]
        read_only_fields = fields

    def download_target(self, clip: VideoClip) -> str | None:
        return clip.media_file.storage_path


class SystemHealthLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = SystemHealthLog
        fields = ["id", "component", "status", "metrics", "message", "timestamp"]
        read_only_fields = fields


class DeviceConnectivityLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceConnectivityLog
        fields = ["id", "device_type", "device_id", "event", "details", "timestamp"]
        read_only_fields = fields


class DashboardStatsSerializer(serializers.ModelSerializer):
    class Meta:
        model = DashboardStats
        fields = "__all__"
        read_only_fields = [f.name for f in DashboardStats._meta.fields]


class RecentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecentEvent
        fields = "__all__"
        read_only_fields = [f.name for f in RecentEvent._meta.fields]

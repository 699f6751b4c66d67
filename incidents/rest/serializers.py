"""Serializers of the incidents API. Writes go through incidents.services (these only shape
and validate input)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import User
from accounts.rest.access import ScopedRelatedField
from accounts.rest.serializers import UUIDRelatedField
from incidents.models import (
    Incident,
    IncidentEvidence,
    IncidentMessage,
    IncidentSOPStep,
    IncidentStatus,
    IncidentTransition,
    IncidentType,
)
from surveillance.models import Camera, Site


class SOPStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentSOPStep
        fields = ["id", "position", "text", "done_by", "done_at"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    alerts = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    sop_steps = SOPStepSerializer(many=True, read_only=True)
    linked = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "title",
            "description",
            "incident_type",
            "category",
            "priority",
            "status",
            "site",
            "camera",
            "zone",
            "multi_site",
            "reported_by",
            "opened_by_policy",
            "assigned_to",
            "parent",
            "linked",
            "alerts",
            "outcome",
            "created_at",
            "updated_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "acknowledge_due_at",
            "resolve_due_at",
            "acknowledge_breached_at",
            "resolve_breached_at",
            "overdue",
            "sop_steps",
        ]
        read_only_fields = fields

    def get_alerts(self, incident) -> list[str]:
        return [str(link.alert_id) for link in incident.alert_links.all()]

    def get_overdue(self, incident) -> bool:
        return incident.overdue()


class IncidentCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=False, trim_whitespace=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    site = ScopedRelatedField(queryset=Site.objects.all(), required=False, allow_null=True, default=None)
    camera = ScopedRelatedField(queryset=Camera.objects.all(), required=False, allow_null=True, default=None)
    alerts = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=500, default=list)
    incident_type = UUIDRelatedField(
        queryset=IncidentType.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    priority = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True, default=None)
    multi_site = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("site") is None and not attrs.get("alerts"):
            raise serializers.ValidationError({"site": ["give a site or at least one alert"]})
        return attrs


class IncidentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    priority = serializers.IntegerField(min_value=1, max_value=5, required=False)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    assignee = UUIDRelatedField(queryset=User.objects.all(), required=False, allow_null=True, default=None)


class AssignSerializer(serializers.Serializer):
    assignee = UUIDRelatedField(queryset=User.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class AlertIdsSerializer(serializers.Serializer):
    alerts = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=500)


class CommentSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class LinkSerializer(serializers.Serializer):
    incident = serializers.UUIDField()
    parent = serializers.BooleanField(default=False, help_text="Make it this incident's parent, not a peer link")


class SOPTickSerializer(serializers.Serializer):
    step = serializers.UUIDField()
    done = serializers.BooleanField(default=True)


class EvidenceCreateSerializer(serializers.Serializer):
    event = serializers.UUIDField(required=False, help_text="Attach an event (with its snapshot)")
    file = serializers.FileField(required=False, help_text="Or upload a snapshot, clip or document")
    caption = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("event")) == bool(attrs.get("file")):
            raise serializers.ValidationError({"non_field_errors": ["give either `event` or `file`"]})
        return attrs


class MessageSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentMessage
        fields = ["id", "kind", "author", "author_name", "body", "data", "created_at"]
        read_only_fields = fields

    def get_author_name(self, message) -> str:
        return message.author.get_username() if message.author else "system"


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentEvidence
        fields = [
            "id",
            "kind",
            "event_id",
            "event_timestamp",
            "camera",
            "content_type",
            "file_size",
            "sha256",
            "caption",
            "locked",
            "added_by",
            "added_at",
        ]
        read_only_fields = fields


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentTransition
        fields = ["id", "from_status", "to_status", "user", "note", "created_at"]
        read_only_fields = fields


class IncidentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentType
        fields = ["id", "name", "category", "default_priority", "sop_steps", "is_active"]
        read_only_fields = fields

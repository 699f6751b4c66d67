"""Serializers for alert rules, alerts and notification channels.

Channel secrets (Telegram bot token, WhatsApp API key, webhook signing secret and URL) are
write-only: responses say whether one is set, never what it is. Model `clean()` methods (the
alerts app's own validation of schedules, templates and configs) run on every write."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers

from accounts.models import User
from accounts.rest.access import ScopedRelatedField
from accounts.rest.fields import JSONObjectField
from accounts.rest.serializers import UUIDRelatedField
from alerts.models import (
    ActiveAlert,
    Alert,
    AlertRule,
    AlertTransition,
    ChannelType,
    EmailConfig,
    NotificationChannel,
    TelegramConfig,
    WebhookConfig,
    WhatsAppConfig,
)
from faces.models import Person, Watchlist
from surveillance.models import Camera, CameraZone


def run_clean(instance) -> None:
    """The model's own validation, reported as field errors."""
    try:
        instance.clean()
    except DjangoValidationError as exc:
        raise serializers.ValidationError(serializers.as_serializer_error(exc)) from None


class AlertRuleSerializer(serializers.ModelSerializer):
    camera = ScopedRelatedField(queryset=Camera.objects.all(), required=False, allow_null=True)
    zone = ScopedRelatedField(queryset=CameraZone.objects.all(), required=False, allow_null=True)
    person = UUIDRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    watchlist = UUIDRelatedField(queryset=Watchlist.objects.all(), required=False, allow_null=True)
    channels = UUIDRelatedField(queryset=NotificationChannel.objects.all(), many=True, required=False)
    escalation_channels = UUIDRelatedField(queryset=NotificationChannel.objects.all(), many=True, required=False)
    schedule = JSONObjectField(required=False)
    quiet_hours = JSONObjectField(required=False, allow_null=True)
    confidence_threshold = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=0, max_value=1, required=False
    )

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "name",
            "camera",
            "zone",
            "person",
            "person_role",
            "person_status",
            "watchlist",
            "guard_id",
            "event_type",
            "schedule",
            "confidence_threshold",
            "severity",
            "is_active",
            "quiet_hours",
            "cooldown_seconds",
            "channels",
            "escalate_after_seconds",
            "max_escalation_level",
            "escalation_channels",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]
        extra_kwargs = {
            "cooldown_seconds": {"max_value": 7 * 86400},
            "escalate_after_seconds": {"max_value": 7 * 86400},
            "max_escalation_level": {"min_value": 1, "max_value": 10},
        }

    def validate(self, attrs: dict) -> dict:
        plain = {k: v for k, v in attrs.items() if k not in ("channels", "escalation_channels")}
        candidate = AlertRule(**{**self._current(), **plain})
        run_clean(candidate)
        return attrs

    def _current(self) -> dict:
        if self.instance is None:
            return {}
        names = [f.name for f in AlertRule._meta.concrete_fields if f.name not in ("id",)]
        return {name: getattr(self.instance, name) for name in names}


class AlertSerializer(serializers.ModelSerializer):
    site = serializers.UUIDField(source="site_id", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "event",
            "alert_rule",
            "person",
            "cluster",
            "camera",
            "site",
            "alert_type",
            "severity",
            "message",
            "status",
            "occurrences",
            "first_seen",
            "last_seen",
            "confidence",
            "escalation_level",
            "escalated_at",
            "sent_at",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_by",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields


class AlertActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AlertBulkActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["acknowledge", "resolve", "ignore"])
    alerts = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=500)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AlertBulkResultSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.UUIDField())
    refused = serializers.DictField(child=serializers.CharField(), help_text="alert id → why it was refused")
    missing = serializers.IntegerField(help_text="ids that do not exist or are not yours to see")


class AlertTransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertTransition
        fields = ["id", "action", "from_status", "to_status", "escalation_level", "user", "note", "created_at"]
        read_only_fields = fields


class ActiveAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActiveAlert
        fields = "__all__"
        read_only_fields = [f.name for f in ActiveAlert._meta.fields]


# --- notification channels -------------------------------------------------------------------


class TelegramConfigSerializer(serializers.ModelSerializer):
    bot_token = serializers.CharField(write_only=True, required=False, max_length=500, help_text="Write-only")
    has_bot_token = serializers.SerializerMethodField()

    class Meta:
        model = TelegramConfig
        fields = ["chat_id", "message_template", "bot_token", "has_bot_token"]

    def get_has_bot_token(self, config) -> bool:
        return bool(config.bot_token)


class WhatsAppConfigSerializer(serializers.ModelSerializer):
    api_key = serializers.CharField(write_only=True, required=False, max_length=1000, help_text="Write-only")
    has_api_key = serializers.SerializerMethodField()
    recipient_groups = JSONObjectField(allow_list=True, required=False)
    template_parameters = JSONObjectField(allow_list=True, required=False)

    class Meta:
        model = WhatsAppConfig
        fields = [
            "phone_number_id",
            "recipient_groups",
            "message_template",
            "template_name",
            "template_language",
            "template_parameters",
            "api_key",
            "has_api_key",
        ]

    def get_has_api_key(self, config) -> bool:
        return bool(config.api_key)

    def _strings(self, value):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise serializers.ValidationError("a list of strings is required")
        return value

    def validate_recipient_groups(self, value):
        return self._strings(value)

    def validate_template_parameters(self, value):
        return self._strings(value)


class EmailConfigSerializer(serializers.ModelSerializer):
    recipients = serializers.ListField(child=serializers.EmailField(), required=False, max_length=100)

    class Meta:
        model = EmailConfig
        fields = ["recipients", "subject_template", "message_template", "attach_snapshot"]


class WebhookConfigSerializer(serializers.ModelSerializer):
    url = serializers.URLField(
        write_only=True, required=False, max_length=500, help_text="Write-only (may carry a token)"
    )
    secret = serializers.CharField(write_only=True, required=False, max_length=500, help_text="Write-only")
    url_host = serializers.SerializerMethodField(help_text="Where alerts go (host only)")
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = WebhookConfig
        fields = ["url", "url_host", "secret", "has_secret", "message_template"]

    def get_url_host(self, config) -> str | None:
        try:
            return urlsplit(config.url).hostname
        except ValueError:
            return None

    def get_has_secret(self, config) -> bool:
        return bool(config.secret)


CONFIGS = {
    ChannelType.TELEGRAM: ("telegram", TelegramConfig, ("bot_token",)),
    ChannelType.WHATSAPP: ("whatsapp", WhatsAppConfig, ("api_key",)),
    ChannelType.EMAIL: ("email", EmailConfig, ()),
    ChannelType.WEBHOOK: ("webhook", WebhookConfig, ("url", "secret")),
}


class NotificationChannelSerializer(serializers.ModelSerializer):
    """A channel and the settings of its type (the object named like its `channel_type`)."""

    owner = UUIDRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    config = JSONObjectField(required=False)
    telegram = TelegramConfigSerializer(required=False, allow_null=True)
    whatsapp = WhatsAppConfigSerializer(required=False, allow_null=True)
    email = EmailConfigSerializer(required=False, allow_null=True)
    webhook = WebhookConfigSerializer(required=False, allow_null=True)

    class Meta:
        model = NotificationChannel
        fields = [
            "id",
            "name",
            "channel_type",
            "config",
            "is_active",
            "owner",
            "receives_system_alerts",
            "telegram",
            "whatsapp",
            "email",
            "webhook",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]

    def validate(self, attrs: dict) -> dict:
        channel_type = attrs.get("channel_type", getattr(self.instance, "channel_type", None))
        if self.instance is not None and channel_type != self.instance.channel_type:
            raise serializers.ValidationError({"channel_type": ["cannot change; create a new channel instead"]})
        own_name, model, secrets = CONFIGS[channel_type]
        for other, *_ in CONFIGS.values():
            if other != own_name and attrs.get(other):
                raise serializers.ValidationError({other: [f"not used by a {channel_type} channel"]})
        settings_in = attrs.get(own_name)
        existing = getattr(self.instance, own_name, None) if self.instance is not None else None
        if settings_in is None and existing is None:
            raise serializers.ValidationError({own_name: [f"the {channel_type} settings are required"]})
        if settings_in is not None:
            missing = [name for name in secrets if not settings_in.get(name) and not getattr(existing, name, None)]
            if missing:
                raise serializers.ValidationError({own_name: {name: ["this field is required"] for name in missing}})
            fields = {f.name: getattr(existing, f.name) for f in model._meta.concrete_fields} if existing else {}
            candidate = model(**{**fields, **settings_in})
            try:
                run_clean(candidate)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({own_name: exc.detail}) from None
        channel_fields = {k: v for k, v in attrs.items() if k not in CONFIGS_NAMES}
        current = (
            {f.name: getattr(self.instance, f.name) for f in NotificationChannel._meta.concrete_fields}
            if self.instance
            else {}
        )
        run_clean(NotificationChannel(**{**current, **channel_fields}))
        return attrs

    def _save_settings(self, channel: NotificationChannel, settings_in: dict | None) -> None:
        if settings_in is None:
            return
        own_name, model, _ = CONFIGS[channel.channel_type]
        existing = model.objects.filter(channel=channel).first()
        if existing is None:
            model.objects.create(channel=channel, **settings_in)
            return
        for name, value in settings_in.items():
            setattr(existing, name, value)
        existing.save()

    def create(self, validated_data: dict) -> NotificationChannel:
        settings = {name: validated_data.pop(name, None) for name in CONFIGS_NAMES}
        with transaction.atomic():
            channel = NotificationChannel.objects.create(**validated_data)
            self._save_settings(channel, settings[CONFIGS[channel.channel_type][0]])
        return channel

    def update(self, instance: NotificationChannel, validated_data: dict) -> NotificationChannel:
        settings = {name: validated_data.pop(name, None) for name in CONFIGS_NAMES}
        with transaction.atomic():
            for name, value in validated_data.items():
                setattr(instance, name, value)
            instance.save()
            self._save_settings(instance, settings[CONFIGS[instance.channel_type][0]])
        return NotificationChannel.objects.get(pk=instance.pk)


CONFIGS_NAMES = tuple(name for name, *_ in CONFIGS.values())

"""Alert rules, alerts and notification channels (seed 004 §7, §9)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.crypto import EncryptedTextField
from surveillance.models import EventType, Severity, confidence_check


def default_schedule() -> dict:
    return {"days": [0, 1, 2, 3, 4, 5, 6], "start_time": "00:00", "end_time": "23:59"}


class AlertStatus(models.TextChoices):
    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    IGNORED = "ignored"


class ChannelType(models.TextChoices):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    WEBHOOK = "webhook"


class AlertRule(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    camera = models.ForeignKey(
        "surveillance.Camera",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_rules",
        help_text="Empty = all cameras",
    )
    person = models.ForeignKey(
        "faces.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_rules",
        help_text="Empty = any person",
    )
    person_role = models.CharField(max_length=100, null=True, blank=True)
    zone = models.ForeignKey(
        "surveillance.CameraZone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alert_rules",
    )
    event_type = models.CharField(max_length=30, choices=EventType.choices, null=True, blank=True)
    schedule = models.JSONField(default=default_schedule, blank=True)
    confidence_threshold = models.DecimalField(max_digits=4, decimal_places=3, default=0.75)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM, db_index=True)
    is_active = models.BooleanField(default=True)
    quiet_hours = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="created_by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "alert_rules"
        ordering = ["name"]
        constraints = [confidence_check("confidence_threshold", "chk_alert_rules_confidence")]
        indexes = [
            models.Index(
                fields=["camera"],
                name="idx_alert_rules_camera_id",
                condition=Q(camera__isnull=False),
            ),
            models.Index(
                fields=["is_active"],
                name="idx_alert_rules_is_active",
                condition=Q(is_active=True),
            ),
            models.Index(
                fields=["person"],
                name="idx_alert_rules_person_id",
                condition=Q(person__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        "surveillance.Event",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="alerts",
    )
    alert_rule = models.ForeignKey(
        AlertRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
    )
    person = models.ForeignKey(
        "faces.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
    )
    camera = models.ForeignKey("surveillance.Camera", on_delete=models.CASCADE, related_name="alerts")
    alert_type = models.CharField(max_length=50)
    severity = models.CharField(max_length=10, choices=Severity.choices, db_index=True)
    message = models.TextField()
    status = models.CharField(
        max_length=20,
        choices=AlertStatus.choices,
        default=AlertStatus.PENDING,
        db_index=True,
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="acknowledged_by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="resolved_by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Not auto_now_add: back-filled history (imports, demo data) keeps the event's time.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "alerts"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at"], name="idx_alerts_created_at"),
            models.Index(
                fields=["person"],
                name="idx_alerts_person_id",
                condition=Q(person__isnull=False),
            ),
            models.Index(
                fields=["alert_rule"],
                name="idx_alerts_rule_id",
                condition=Q(alert_rule__isnull=False),
            ),
            models.Index(fields=["status", "-created_at"], name="idx_alerts_status_created"),
        ]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.alert_type}: {self.message[:60]}"


class NotificationChannel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    channel_type = models.CharField(max_length=20, choices=ChannelType.choices, db_index=True)
    config = models.JSONField(
        default=dict,
        blank=True,
        help_text='{"timeout_seconds": 30, "retry_count": 3, "rate_limit_per_min": 60}',
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="created_by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "notification_channels"
        ordering = ["name"]
        indexes = [
            models.Index(
                fields=["is_active"],
                name="idx_channels_is_active",
                condition=Q(is_active=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel_type})"


class TelegramConfig(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.OneToOneField(NotificationChannel, on_delete=models.CASCADE, related_name="telegram")
    bot_token = EncryptedTextField(db_column="bot_token_encrypted")
    chat_id = models.CharField(max_length=50)
    message_template = models.TextField(default="{{alert_type}}: {{message}} at {{timestamp}}. Camera: {{camera_name}}")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "telegram_configs"

    def __str__(self) -> str:
        return f"Telegram → {self.chat_id}"


class WhatsAppConfig(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.OneToOneField(NotificationChannel, on_delete=models.CASCADE, related_name="whatsapp")
    api_key = EncryptedTextField(db_column="api_key_encrypted")
    phone_number_id = models.CharField(max_length=50)
    recipient_groups = models.JSONField(default=list, blank=True)
    message_template = models.TextField(
        default="*Alert*: {{alert_type}} at {{location}}. Time: {{timestamp}}. Confidence: {{confidence}}%"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "whatsapp_configs"
        verbose_name = "WhatsApp config"

    def __str__(self) -> str:
        return f"WhatsApp {self.phone_number_id}"


class ActiveAlert(models.Model):
    """Read-only: the seed's `vw_active_alerts` (pending, sent or acknowledged; severity first)."""

    alert_id = models.UUIDField(primary_key=True)
    alert_type = models.CharField(max_length=50)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    message = models.TextField()
    status = models.CharField(max_length=20, choices=AlertStatus.choices)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True)
    acknowledged_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    acknowledged_by_user = models.CharField(max_length=150, null=True)
    resolved_by_user = models.CharField(max_length=150, null=True)
    camera_name = models.CharField(max_length=100, null=True)
    camera_location = models.CharField(max_length=200, null=True)
    site_name = models.CharField(max_length=100, null=True)
    person_name = models.CharField(max_length=200, null=True)
    person_status = models.CharField(max_length=20, null=True)
    rule_name = models.CharField(max_length=200, null=True)
    rule_threshold = models.DecimalField(max_digits=4, decimal_places=3, null=True)

    class Meta:
        managed = False
        db_table = "vw_active_alerts"

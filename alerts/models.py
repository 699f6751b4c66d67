"""Alert rules, alerts and notification channels (seed 004 §7, §9), with what the seed leaves
out: rule routing to channels, cooldown folding and escalation on alerts (seed 001), one row
per delivery attempt series, and operators' notification preferences (seed 000).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.crypto import EncryptedTextField
from accounts.scoping import Viewer, apply_scope, scoped_manager
from faces.models import PersonStatus
from surveillance.models import EventType, Severity, confidence_check

OPEN_ALERT_STATUSES = ("pending", "sent", "acknowledged")
# Stands for "no person and no cluster" in the cooldown key (an index can't equate NULLs).
NO_SUBJECT = uuid.UUID(int=0)


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


def _rule_reach(viewer: Viewer) -> Q:
    reach = Q(camera__in=viewer.camera_ids) | Q(camera__isnull=True, zone__camera__in=viewer.camera_ids)
    if viewer.action == "read":
        reach |= Q(camera__isnull=True, zone__isnull=True)
    return reach


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
    person_status = models.CharField(
        max_length=20,
        choices=PersonStatus.choices,
        null=True,
        blank=True,
        help_text="Empty = any. “Unknown” also matches faces nobody has named yet (unknown clusters).",
    )
    watchlist = models.ForeignKey(
        "faces.Watchlist",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alert_rules",
        help_text="Only persons on this (active) watchlist. Empty = no watchlist condition.",
    )
    # A plain id, not a foreign key: guards live in the detection app, above this one.
    guard_id = models.UUIDField(
        null=True, blank=True, help_text="Only events this AI guard caught (detection app). Empty = any."
    )
    event_type = models.CharField(max_length=30, choices=EventType.choices, null=True, blank=True)
    schedule = models.JSONField(
        default=default_schedule,
        blank=True,
        help_text='{"days": [1,2,3,4,5] (0 = Sunday), "start_time": "18:00", "end_time": "06:00", '
        '"timezone": "Asia/Singapore"}; the timezone defaults to the site\'s.',
    )
    confidence_threshold = models.DecimalField(max_digits=4, decimal_places=3, default=0.75)
    severity = models.CharField(
        max_length=10,
        choices=Severity.choices,
        default=Severity.MEDIUM,
        null=True,
        blank=True,
        db_index=True,
        help_text="Empty = from the person: blacklisted → critical, suspect watchlist → high, VIP → medium, else low.",
    )
    is_active = models.BooleanField(default=True)
    quiet_hours = models.JSONField(
        null=True, blank=True, help_text='{"start": "12:00", "end": "13:00", "enabled": true}, schedule timezone'
    )
    cooldown_seconds = models.PositiveIntegerField(
        default=60,
        help_text="Repeats for the same camera and person/cluster within this many seconds fold into the open "
        "alert (count + last seen). 0 = every match is a new alert.",
    )
    channels = models.ManyToManyField(
        "NotificationChannel", blank=True, related_name="alert_rules", db_table="alert_rule_channels"
    )
    escalate_after_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="An alert nobody acknowledged for this long escalates (again after each further period, "
        "up to the maximum level). Empty = never.",
    )
    max_escalation_level = models.PositiveSmallIntegerField(default=1)
    escalation_channels = models.ManyToManyField(
        "NotificationChannel",
        blank=True,
        related_name="escalation_rules",
        db_table="alert_rule_escalation_channels",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="created_by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(
        "alerts",
        rule=lambda rows, viewer: rows.filter(_rule_reach(viewer)),
        why="A rule on a camera (or a zone) is seen where the camera is. A rule without a camera applies at "
        "every site: everyone with alerts access reads it, only users who see every site change it.",
    )

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

    def clean(self) -> None:
        from alerts.services.schedules import validate_quiet_hours, validate_schedule

        errors = {}
        for field, validate in (("schedule", validate_schedule), ("quiet_hours", validate_quiet_hours)):
            try:
                validate(getattr(self, field))
            except ValidationError as exc:
                errors[field] = exc.messages
        if self.zone_id and self.camera_id and self.zone.camera_id != self.camera_id:
            errors["zone"] = ["This zone belongs to another camera."]
        if self.max_escalation_level < 1:
            errors["max_escalation_level"] = ["Must be at least 1."]
        if errors:
            raise ValidationError(errors)


class Alert(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        "surveillance.Event",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        db_index=False,
        related_name="alerts",
    )
    # Indexes on the nullable references are partial (IS NOT NULL, see Meta): a new alert pays
    # only for the ones it fills, which matters on the ingest hot path.
    alert_rule = models.ForeignKey(
        AlertRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="alerts",
    )
    person = models.ForeignKey(
        "faces.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="alerts",
    )
    cluster = models.ForeignKey(
        "faces.PersonCluster",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="alerts",
    )
    camera = models.ForeignKey("surveillance.Camera", on_delete=models.CASCADE, related_name="alerts")
    alert_type = models.CharField(max_length=50)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    message = models.TextField()
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="acknowledged_by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="resolved_by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Not auto_now_add: back-filled history (imports, demo data) keeps the event's time.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Cooldown folding: repeats of the same rule + camera + person/cluster land here.
    occurrences = models.PositiveIntegerField(default=1, db_default=1)
    first_seen = models.DateTimeField(null=True, blank=True, help_text="Time of the first folded event")
    last_seen = models.DateTimeField(null=True, blank=True, help_text="Time of the latest folded event")
    confidence = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    snapshot_path = models.TextField(null=True, blank=True, help_text="Storage name of the event's snapshot")
    escalation_level = models.PositiveSmallIntegerField(default=0, db_default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager("alerts", camera="camera")

    class Meta:
        db_table = "alerts"
        ordering = ["-created_at"]
        indexes = [
            # Cooldown lookup of the hot path: the open alert of a rule + camera + person/cluster
            # nearest a time (alerts.services.raising spells the same expression).
            models.Index(
                F("alert_rule"),
                F("camera"),
                Coalesce(F("person"), F("cluster"), Value(NO_SUBJECT, output_field=models.UUIDField())),
                F("last_seen"),
                name="idx_alerts_fold",
                condition=Q(status__in=OPEN_ALERT_STATUSES),
            ),
            models.Index(fields=["-created_at"], name="idx_alerts_created_at"),
            models.Index(fields=["severity"], name="idx_alerts_severity"),
            models.Index(fields=["event"], name="idx_alerts_event_id", condition=Q(event__isnull=False)),
            models.Index(fields=["cluster"], name="idx_alerts_cluster_id", condition=Q(cluster__isnull=False)),
            models.Index(
                fields=["acknowledged_by"], name="idx_alerts_ack_by", condition=Q(acknowledged_by__isnull=False)
            ),
            models.Index(fields=["resolved_by"], name="idx_alerts_resolved_by", condition=Q(resolved_by__isnull=False)),
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


class AlertTransition(models.Model):
    """Who moved an alert where, when, and why; written only by `alerts.services.lifecycle`."""

    class Action(models.TextChoices):
        SENT = "sent"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"
        IGNORED = "ignored"
        ESCALATED = "escalated"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=AlertStatus.choices)
    to_status = models.CharField(max_length=20, choices=AlertStatus.choices)
    escalation_level = models.PositiveSmallIntegerField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = scoped_manager("alerts", camera="alert__camera")

    class Meta:
        db_table = "alert_transitions"
        ordering = ["created_at"]
        indexes = [models.Index(fields=["alert", "created_at"], name="idx_alert_transitions_alert")]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.from_status} → {self.to_status}"


def _channel_reach(viewer: Viewer) -> Q:
    reach = Q(owner_id=viewer.user.pk)
    if viewer.action == "read":
        return reach | Q(owner__isnull=True)
    # Changing a shared channel changes it for every site it serves: only for those who may
    # configure alerts at all of them (rules bound to their cameras only; no system alerts).
    elsewhere = AlertRule.objects.exclude(camera__in=viewer.camera_ids).values("pk")
    return reach | (
        Q(owner__isnull=True, receives_system_alerts=False)
        & ~Q(alert_rules__in=elsewhere)
        & ~Q(escalation_rules__in=elsewhere)
    )


class NotificationChannel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    channel_type = models.CharField(max_length=20, choices=ChannelType.choices, db_index=True)
    config = models.JSONField(
        default=dict,
        blank=True,
        help_text='{"timeout_seconds": 30, "retry_count": 3, "rate_limit_per_min": 60, '
        '"retry_backoff_seconds": 2}; WhatsApp also {"groups": {"security-team": ["+6591234567"]}}',
    )
    is_active = models.BooleanField(default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="personal_channels",
        help_text="Personal channel: its owner's notification preferences and site access apply.",
    )
    receives_system_alerts = models.BooleanField(
        default=False,
        help_text="Also notified of alerts raised without a rule (suspicious activity, camera offline).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_column="created_by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(
        "alerts",
        rule=lambda rows, viewer: rows.filter(_channel_reach(viewer)),
        why="A personal channel is its owner's alone. Everyone with alerts access reads a shared channel's name "
        "(to pick it on a rule; credentials stay hidden); it is changed by those who may configure alerts at "
        "every site it serves (all its rules are on their cameras, and it takes no system alerts).",
    )

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

    def clean(self) -> None:
        from alerts.services.channels import validate_channel_config

        try:
            validate_channel_config(self.config, self.channel_type)
        except ValidationError as exc:
            raise ValidationError({"config": exc.messages}) from exc


class TelegramConfig(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.OneToOneField(NotificationChannel, on_delete=models.CASCADE, related_name="telegram")
    bot_token = EncryptedTextField(db_column="bot_token_encrypted")
    chat_id = models.CharField(max_length=50)
    message_template = models.TextField(default="{{alert_type}}: {{message}} at {{timestamp}}. Camera: {{camera_name}}")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("alerts", via="channel", why="Follows its channel.")

    class Meta:
        db_table = "telegram_configs"

    def __str__(self) -> str:
        return f"Telegram → {self.chat_id}"

    def clean(self) -> None:
        from alerts.services.templates import validate_template

        try:
            validate_template(self.message_template)
        except ValidationError as exc:
            raise ValidationError({"message_template": exc.messages}) from exc


class WhatsAppConfig(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.OneToOneField(NotificationChannel, on_delete=models.CASCADE, related_name="whatsapp")
    api_key = EncryptedTextField(db_column="api_key_encrypted")
    phone_number_id = models.CharField(max_length=50)
    recipient_groups = models.JSONField(
        default=list,
        blank=True,
        help_text='Phone numbers (E.164) or group names defined in the channel config\'s "groups".',
    )
    message_template = models.TextField(
        default="*Alert*: {{alert_type}} at {{location}}. Time: {{timestamp}}. Confidence: {{confidence}}%"
    )
    template_name = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="Approved WhatsApp template; empty = a text message rendered from the message template.",
    )
    template_language = models.CharField(max_length=15, default="en")
    template_parameters = models.JSONField(
        default=list,
        blank=True,
        help_text='Body parameters in order, each a placeholder name: ["alert_type", "location", "timestamp"]',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("alerts", via="channel", why="Follows its channel.")

    class Meta:
        db_table = "whatsapp_configs"
        verbose_name = "WhatsApp config"

    def __str__(self) -> str:
        return f"WhatsApp {self.phone_number_id}"

    def clean(self) -> None:
        from alerts.services.templates import validate_template

        errors = {}
        try:
            validate_template(self.message_template)
        except ValidationError as exc:
            errors["message_template"] = exc.messages
        try:
            validate_template(" ".join(f"{{{{{name}}}}}" for name in self.template_parameters or []))
        except (ValidationError, TypeError) as exc:
            errors["template_parameters"] = getattr(exc, "messages", [str(exc)])
        if self.channel_id:
            from alerts.services.channels import whatsapp_recipients

            try:
                if not whatsapp_recipients(self.recipient_groups, self.channel.config):
                    errors["recipient_groups"] = ["Name at least one phone number or group."]
            except ValidationError as exc:
                errors["recipient_groups"] = exc.messages
        if errors:
            raise ValidationError(errors)


class EmailConfig(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.OneToOneField(NotificationChannel, on_delete=models.CASCADE, related_name="email")
    recipients = models.JSONField(
        default=list, blank=True, help_text="Addresses; empty on a personal channel = the owner's address."
    )
    subject_template = models.CharField(max_length=200, default="[ORIN] {{severity}} {{alert_type}} on {{camera_name}}")
    message_template = models.TextField(
        default="{{message}}\n\nSite: {{site_name}}\nCamera: {{camera_name}} ({{location}})\n"
        "Time: {{timestamp}}\nConfidence: {{confidence}}%\nSeen {{count}} time(s)."
    )
    attach_snapshot = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("alerts", via="channel", why="Follows its channel.")

    class Meta:
        db_table = "email_configs"
        verbose_name = "email config"

    def __str__(self) -> str:
        return f"Email → {', '.join(self.recipients or []) or 'owner'}"

    def clean(self) -> None:
        from django.core.validators import validate_email

        from alerts.services.templates import validate_template

        errors = {}
        if not isinstance(self.recipients, list):
            errors["recipients"] = ["A list of e-mail addresses."]
        else:
            for address in self.recipients:
                try:
                    validate_email(address)
                except ValidationError:
                    errors.setdefault("recipients", []).append(f"{address!r} is not an e-mail address.")
        for field in ("subject_template", "message_template"):
            try:
                validate_template(getattr(self, field))
            except ValidationError as exc:
                errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)


class WebhookConfig(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.OneToOneField(NotificationChannel, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(max_length=500, help_text="Receives a JSON POST per alert")
    secret = EncryptedTextField(
        db_column="secret_encrypted",
        help_text="HMAC-SHA256 key: X-Orin-Signature = sha256=hex(HMAC(secret, timestamp + '.' + body))",
    )
    message_template = models.TextField(default="{{alert_type}}: {{message}}")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("alerts", via="channel", why="Follows its channel.")

    class Meta:
        db_table = "webhook_configs"
        verbose_name = "webhook config"

    def __str__(self) -> str:
        return f"Webhook → {self.url}"

    def clean(self) -> None:
        from alerts.services.templates import validate_template

        try:
            validate_template(self.message_template)
        except ValidationError as exc:
            raise ValidationError({"message_template": exc.messages}) from exc


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"


class DeliveryPurpose(models.TextChoices):
    ALERT = "alert"
    ESCALATION = "escalation"
    TEST = "test"


class NotificationDelivery(models.Model):
    """One notification of one alert on one channel, with every attempt's outcome."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE, related_name="deliveries")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries")
    purpose = models.CharField(max_length=20, choices=DeliveryPurpose.choices, default=DeliveryPurpose.ALERT)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    response_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    detail = models.JSONField(default=dict, blank=True, help_text="Recipients reached, provider message ids")
    worker = models.CharField(max_length=200, blank=True, default="", help_text="Process of the last attempt")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Last attempt's round trip")

    objects = scoped_manager(
        "alerts",
        rule=lambda rows, viewer: rows.filter(
            Q(alert__camera__in=viewer.camera_ids)
            | Q(alert__isnull=True, channel__in=apply_scope(NotificationChannel.objects.all(), viewer).values("pk"))
        ),
        why="A delivery of an alert is seen where the alert is; a test message where its channel is.",
    )

    class Meta:
        db_table = "notification_deliveries"
        ordering = ["-created_at"]
        verbose_name_plural = "notification deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "channel", "purpose", "escalation_level"],
                condition=Q(alert__isnull=False),
                name="uq_delivery_alert_channel",
            )
        ]
        indexes = [
            models.Index(fields=["channel", "-created_at"], name="idx_deliveries_channel"),
            models.Index(
                fields=["next_attempt_at"],
                name="idx_deliveries_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} / {self.purpose} → {self.status}"


def _preference_reach(viewer: Viewer) -> Q:
    from accounts.models import User
    from accounts.policy import can

    reach = Q(user_id=viewer.user.pk)
    if can(viewer.user, "users", viewer.action):
        reach |= Q(user__in=apply_scope(User.objects.all(), viewer).values("pk"))
    return reach


class NotificationPreference(models.Model):
    """An operator's say over their personal channels (seed 000 user_preferences)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    notifications_enabled = models.BooleanField(default=True)
    email_enabled = models.BooleanField(default=True)
    telegram_enabled = models.BooleanField(default=True)
    whatsapp_enabled = models.BooleanField(default=True)
    event_types = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per alert type on/off, e.g. {"motion_detected": false}; a type not listed is on.',
    )
    quiet_hours_enabled = models.BooleanField(default=False)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    timezone = models.CharField(max_length=50, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(
        "alerts",
        rule=lambda rows, viewer: rows.filter(_preference_reach(viewer)),
        why="Preferences are personal: their owner's, and those of the users an account administrator sees.",
    )

    class Meta:
        db_table = "notification_preferences"

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"

    def clean(self) -> None:
        from alerts.services.schedules import validate_timezone

        errors = {}
        if not isinstance(self.event_types, dict) or not all(
            isinstance(k, str) and isinstance(v, bool) for k, v in self.event_types.items()
        ):
            errors["event_types"] = ['An object of alert type → true/false, e.g. {"motion_detected": false}.']
        if self.quiet_hours_enabled and (self.quiet_hours_start is None or self.quiet_hours_end is None):
            errors["quiet_hours_start"] = ["Quiet hours need a start and an end."]
        try:
            validate_timezone(self.timezone)
        except ValidationError as exc:
            errors["timezone"] = exc.messages
        if errors:
            raise ValidationError(errors)


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

    objects = scoped_manager("alerts", all_sites=True)

    class Meta:
        managed = False
        db_table = "vw_active_alerts"

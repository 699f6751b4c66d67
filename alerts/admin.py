from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html

from alerts.models import (
    ActiveAlert,
    Alert,
    AlertRule,
    AlertTransition,
    EmailConfig,
    NotificationChannel,
    NotificationDelivery,
    NotificationPreference,
    TelegramConfig,
    WebhookConfig,
    WhatsAppConfig,
)
from alerts.services import lifecycle
from orin.admin_tools import (
    ReadOnlyAdminMixin,
    ScopedModelAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
)

TEST_MESSAGE_MAX_CHANNELS = 5


def secret_hint(value: str | None) -> str:
    """Enough to recognise a stored secret, never enough to use it."""
    if not value:
        return "not set"
    return f"stored, ends in …{value[-4:]}" if len(value) >= 12 else "stored"


@admin.register(AlertRule)
class AlertRuleAdmin(ScopedModelAdmin):
    list_display = [
        "name",
        "camera",
        "person",
        "event_type",
        "severity",
        "confidence_threshold",
        "cooldown_seconds",
        "is_active",
    ]
    list_filter = ["is_active", "severity", "event_type", "person_status"]
    search_fields = ["name", "person_role", "camera__name", "person__name"]
    autocomplete_fields = ["camera", "person", "zone", "watchlist"]
    filter_horizontal = ["channels", "escalation_channels"]
    list_select_related = ["camera", "person"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["name", "is_active", "severity", "confidence_threshold"]}),
        (
            "What it matches (empty = any)",
            {"fields": ["camera", "zone", "event_type", "person", "person_status", "person_role", "watchlist"]},
        ),
        ("When", {"fields": ["schedule", "quiet_hours", "cooldown_seconds"]}),
        (
            "Who hears of it",
            {"fields": ["channels", "escalate_after_seconds", "max_escalation_level", "escalation_channels"]},
        ),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class AlertTransitionInline(ScopedTabularInline):
    model = AlertTransition
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "escalation_level", "user", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AlertDeliveryInline(ScopedTabularInline):
    model = NotificationDelivery
    extra = 0
    can_delete = False
    fields = ["channel", "purpose", "escalation_level", "status", "attempts", "response_code", "error", "delivered_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _transition_action(func, verb: str):
    def action(modeladmin, request, queryset):
        done, refused = 0, []
        for alert in queryset:
            try:
                func(alert, request.user, note=f"{verb} from the admin list")
                done += 1
            except lifecycle.TransitionError as exc:
                refused.append(f"{alert.pk}: {exc}")
        if done:
            modeladmin.message_user(request, f"{done} alert(s) {verb}.", messages.SUCCESS)
        if refused:
            modeladmin.message_user(request, "Refused — " + "; ".join(refused[:10]), messages.WARNING)

    action.__name__ = f"mark_{verb}"
    action.short_description = f"Mark selected alerts {verb}"
    return action


@admin.register(Alert)
class AlertAdmin(ScopedModelAdmin):
    list_display = [
        "created_at",
        "severity",
        "status",
        "alert_type",
        "camera",
        "person",
        "occurrences",
        "escalation_level",
        "alert_rule",
    ]
    list_filter = ["status", "severity", "alert_type", "camera__dvr__site"]
    search_fields = ["message", "alert_type", "camera__name", "person__name"]
    autocomplete_fields = ["camera", "person", "alert_rule", "cluster"]
    raw_id_fields = ["event"]
    list_select_related = ["camera", "person", "alert_rule"]
    # Status and its who/when only change through the lifecycle service (actions below).
    readonly_fields = [
        "status",
        "sent_at",
        "acknowledged_by",
        "acknowledged_at",
        "resolved_by",
        "resolved_at",
        "created_at",
        "occurrences",
        "first_seen",
        "last_seen",
        "escalation_level",
        "escalated_at",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [AlertTransitionInline, AlertDeliveryInline]
    actions = [
        _transition_action(lifecycle.acknowledge_alert, "acknowledged"),
        _transition_action(lifecycle.resolve_alert, "resolved"),
        _transition_action(lifecycle.ignore_alert, "ignored"),
    ]


class TelegramConfigInline(ScopedStackedInline):
    model = TelegramConfig
    extra = 0
    readonly_fields = ["token_status", "created_at"]

    @admin.display(description="Bot token")
    def token_status(self, obj):
        return secret_hint(obj.bot_token if obj and obj.pk else None)


class WhatsAppConfigInline(ScopedStackedInline):
    model = WhatsAppConfig
    extra = 0
    readonly_fields = ["key_status", "created_at"]

    @admin.display(description="API key")
    def key_status(self, obj):
        return secret_hint(obj.api_key if obj and obj.pk else None)


class EmailConfigInline(ScopedStackedInline):
    model = EmailConfig
    extra = 0
    readonly_fields = ["created_at"]


class WebhookConfigInline(ScopedStackedInline):
    model = WebhookConfig
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["secret_status", "created_at"]

    @admin.display(description="Signing secret")
    def secret_status(self, obj):
        return secret_hint(obj.secret if obj and obj.pk else None)


@admin.register(NotificationChannel)
class NotificationChannelAdmin(ScopedModelAdmin):
    list_display = ["name", "channel_type", "is_active", "owner", "receives_system_alerts", "created_by", "created_at"]
    list_filter = ["channel_type", "is_active", "receives_system_alerts"]
    search_fields = ["name"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "created_at"
    inlines = [TelegramConfigInline, WhatsAppConfigInline, EmailConfigInline, WebhookConfigInline]
    actions = ["send_test_message"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Send a test message")
    def send_test_message(self, request, queryset):
        from alerts.services.delivery import send_test_message

        channels = list(queryset[: TEST_MESSAGE_MAX_CHANNELS + 1])
        if len(channels) > TEST_MESSAGE_MAX_CHANNELS:
            self.message_user(
                request, f"Select at most {TEST_MESSAGE_MAX_CHANNELS} channels to test at once.", messages.ERROR
            )
            return
        for channel in channels:
            delivery = send_test_message(channel)
            if delivery.status == "delivered":
                self.message_user(request, f"{channel.name}: test message delivered.", messages.SUCCESS)
            else:
                reason = delivery.error or ("rate limited, try again shortly" if delivery.status == "pending" else "")
                self.message_user(request, f"{channel.name}: {delivery.status} — {reason}", messages.ERROR)


@admin.register(TelegramConfig)
class TelegramConfigAdmin(ScopedModelAdmin):
    list_display = ["channel", "chat_id", "created_at"]
    search_fields = ["channel__name", "chat_id"]
    autocomplete_fields = ["channel"]
    readonly_fields = ["token_status", "created_at"]
    date_hierarchy = "created_at"
    token_status = TelegramConfigInline.token_status


@admin.register(WhatsAppConfig)
class WhatsAppConfigAdmin(ScopedModelAdmin):
    list_display = ["channel", "phone_number_id", "created_at"]
    search_fields = ["channel__name", "phone_number_id"]
    autocomplete_fields = ["channel"]
    readonly_fields = ["key_status", "created_at"]
    date_hierarchy = "created_at"
    key_status = WhatsAppConfigInline.key_status


@admin.register(EmailConfig)
class EmailConfigAdmin(ScopedModelAdmin):
    list_display = ["channel", "attach_snapshot", "created_at"]
    search_fields = ["channel__name"]
    autocomplete_fields = ["channel"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"


@admin.register(WebhookConfig)
class WebhookConfigAdmin(ScopedModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["channel", "url", "created_at"]
    search_fields = ["channel__name", "url"]
    autocomplete_fields = ["channel"]
    readonly_fields = ["secret_status", "created_at"]
    secret_status = WebhookConfigInline.secret_status
    date_hierarchy = "created_at"


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "purpose",
        "status_badge",
        "attempts",
        "response_code",
        "duration_ms",
        "delivered_at",
    ]
    list_filter = ["status", "purpose", "channel__channel_type", "channel"]
    search_fields = ["channel__name", "error"]
    raw_id_fields = ["alert"]
    list_select_related = ["channel"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        colour = {"delivered": "#2e7d32", "failed": "#c62828", "skipped": "#757575"}.get(obj.status, "#ef6c00")
        return format_html('<strong style="color:{}">{}</strong>', colour, obj.get_status_display())


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ScopedModelAdmin):
    list_display = ["user", "notifications_enabled", "quiet_hours_enabled", "quiet_hours_start", "quiet_hours_end"]
    list_filter = ["notifications_enabled", "quiet_hours_enabled"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(ActiveAlert)
class ActiveAlertAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = [
        "severity",
        "status",
        "alert_type",
        "camera_name",
        "site_name",
        "person_name",
        "created_at",
    ]
    list_filter = ["severity", "status", "site_name"]
    search_fields = ["message", "camera_name", "person_name"]

from django.contrib import admin

from alerts.models import (
    ActiveAlert,
    Alert,
    AlertRule,
    NotificationChannel,
    TelegramConfig,
    WhatsAppConfig,
)
from orin.admin_tools import ReadOnlyAdminMixin


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "camera",
        "person",
        "event_type",
        "severity",
        "confidence_threshold",
        "is_active",
    ]
    list_filter = ["is_active", "severity", "event_type"]
    search_fields = ["name", "person_role", "camera__name", "person__name"]
    autocomplete_fields = ["camera", "person", "zone"]
    list_select_related = ["camera", "person"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "severity",
        "status",
        "alert_type",
        "camera",
        "person",
        "alert_rule",
    ]
    list_filter = ["status", "severity", "alert_type", "camera__dvr__site"]
    search_fields = ["message", "alert_type", "camera__name", "person__name"]
    autocomplete_fields = ["camera", "person", "alert_rule"]
    raw_id_fields = ["event"]
    list_select_related = ["camera", "person", "alert_rule"]
    readonly_fields = [
        "sent_at",
        "acknowledged_by",
        "acknowledged_at",
        "resolved_by",
        "resolved_at",
        "created_at",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False


class TelegramConfigInline(admin.StackedInline):
    model = TelegramConfig
    extra = 0
    readonly_fields = ["created_at"]


class WhatsAppConfigInline(admin.StackedInline):
    model = WhatsAppConfig
    extra = 0
    readonly_fields = ["created_at"]


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "channel_type", "is_active", "created_by", "created_at"]
    list_filter = ["channel_type", "is_active"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "created_at"
    inlines = [TelegramConfigInline, WhatsAppConfigInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(TelegramConfig)
class TelegramConfigAdmin(admin.ModelAdmin):
    list_display = ["channel", "chat_id", "created_at"]
    search_fields = ["channel__name", "chat_id"]
    autocomplete_fields = ["channel"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"


@admin.register(WhatsAppConfig)
class WhatsAppConfigAdmin(admin.ModelAdmin):
    list_display = ["channel", "phone_number_id", "created_at"]
    search_fields = ["channel__name", "phone_number_id"]
    autocomplete_fields = ["channel"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"


@admin.register(ActiveAlert)
class ActiveAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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

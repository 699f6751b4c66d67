from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import APIKey, AuditLog, PermissionGrant, Role, User, UserSiteAssignment
from accounts.services.api_keys import issue_api_key, revoke_api_key
from accounts.services.roles import sync_permission_grants
from orin.admin_tools import PartitionedModelAdmin, ReadOnlyAdminMixin


class PermissionGrantInline(admin.TabularInline):
    model = PermissionGrant
    extra = 0
    can_delete = False
    readonly_fields = ["resource", "action", "granted", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "created_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at"]
    inlines = [PermissionGrantInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sync_permission_grants(obj)


@admin.register(PermissionGrant)
class PermissionGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["role", "resource", "action", "granted"]
    list_filter = ["role", "resource", "granted"]
    search_fields = ["resource", "action", "role__name"]


class SiteAssignmentInline(admin.TabularInline):
    model = UserSiteAssignment
    extra = 0
    autocomplete_fields = ["site"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "role",
        "is_active",
        "mfa_enabled",
        "last_login",
    ]
    list_filter = ["role", "is_active", "is_staff", "mfa_enabled"]
    search_fields = ["username", "email", "first_name", "last_name"]
    autocomplete_fields = ["role"]
    readonly_fields = ["last_login", "date_joined", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [SiteAssignmentInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        (
            "Access",
            {
                "fields": [
                    "role",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "mfa_enabled",
                ]
            },
        ),
        (
            "Dates",
            {"fields": ["last_login", "date_joined", "created_at", "updated_at"]},
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "role", "password1", "password2"],
            },
        ),
    ]


@admin.register(UserSiteAssignment)
class UserSiteAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "site", "created_at"]
    list_filter = ["site"]
    search_fields = ["user__username", "site__name"]
    autocomplete_fields = ["user", "site"]
    readonly_fields = ["created_at"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, PartitionedModelAdmin):
    list_display = [
        "timestamp",
        "user",
        "action",
        "resource_type",
        "resource_id",
        "ip_address",
    ]
    list_filter = ["resource_type", "action"]
    search_fields = ["action", "resource_type", "=resource_id", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user", "sites", "cameras"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "last_used_ip"]
    fields = ["name", "user", "sites", "cameras", "expires_at", "revoked_at", *readonly_fields]
    date_hierarchy = "created_at"
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        api_key, raw_key = issue_api_key(obj.user, obj.name, expires_at=obj.expires_at)
        obj.pk, obj.prefix = api_key.pk, api_key.prefix
        obj._state.adding = False
        messages.warning(request, f"New API key (shown once, copy it now): {raw_key}")

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            revoke_api_key(api_key)
        self.message_user(request, f"{queryset.count()} key(s) revoked")

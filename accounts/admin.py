from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import AuditLog, PermissionGrant, Role, User, UserSiteAssignment
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

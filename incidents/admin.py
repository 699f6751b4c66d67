"""Admin of incidents: the catalogue (types with their SOP, SLA targets), each site's auto-open
policies, and incidents read-only (they change only through incidents.services: the console,
the API)."""

from django.contrib import admin

from incidents.models import AutoOpenPolicy, Incident, IncidentType, SLAPolicy
from orin.admin_tools import ReadOnlyAdminMixin, ScopedModelAdmin


@admin.register(IncidentType)
class IncidentTypeAdmin(ScopedModelAdmin):
    list_display = ["name", "category", "default_priority", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name"]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(ScopedModelAdmin):
    list_display = ["priority", "acknowledge_minutes", "resolve_minutes"]


@admin.register(AutoOpenPolicy)
class AutoOpenPolicyAdmin(ScopedModelAdmin):
    list_display = ["name", "site", "kind", "severity", "minutes", "alert_count", "priority", "is_active"]
    list_filter = ["site", "kind", "is_active"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["number", "title", "site", "priority", "status", "assigned_to", "created_at"]
    list_filter = ["status", "priority", "site"]
    search_fields = ["number", "title"]

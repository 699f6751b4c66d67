"""Admin views of the audit trail: filters for the changelist, and every audited model's
"History" button showing that object's audit rows instead of Django's admin-only LogEntry."""

from __future__ import annotations

import functools
import json
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from accounts import policy
from accounts.services.audit import AUDITED_MODELS

OPERATIONS = {
    "create": ("Created", "_create"),
    "update": ("Changed", "_update"),
    "delete": ("Deleted", "_delete"),
}
ACCESS_ACTIONS = ["login", "login_failed", "login_locked_out", "logout", "mfa_verified", "mfa_failed", "mfa_enrolled"]
HISTORY_RANGE = "365d"


class OperationFilter(admin.SimpleListFilter):
    """Fixed choices: a DISTINCT over a partitioned audit table of millions of rows is not."""

    title = "operation"
    parameter_name = "operation"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in OPERATIONS.items()] + [
            ("signin", "Sign-in and MFA"),
            ("read", "Reads (views, downloads, exports, searches)"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value in OPERATIONS:
            return queryset.filter(action__endswith=OPERATIONS[value][1])
        if value == "signin":
            return queryset.filter(action__in=ACCESS_ACTIONS)
        if value == "read":
            written = [suffix for _, suffix in OPERATIONS.values()]
            queryset = queryset.exclude(action__in=ACCESS_ACTIONS)
            for suffix in written:
                queryset = queryset.exclude(action__endswith=suffix)
            return queryset
        return queryset


class ResourceTypeFilter(admin.SimpleListFilter):
    title = "resource"
    parameter_name = "resource_type"

    def lookups(self, request, model_admin):
        names = sorted({*AUDITED_MODELS.values(), "media_file", "video_clip", "event", "export", "face_search"})
        return [(name, name.replace("_", " ")) for name in names]

    def queryset(self, request, queryset):
        return queryset.filter(resource_type=self.value()) if self.value() else queryset


def history_url(resource_type: str, object_id) -> str:
    query = urlencode({"resource_type": resource_type, "resource_id": str(object_id), "range": HISTORY_RANGE})
    return f"{reverse('admin:accounts_auditlog_changelist')}?{query}"


def object_admin_url(resource_type: str, object_id) -> str | None:
    for label, name in AUDITED_MODELS.items():
        if name == resource_type:
            app_label, model_name = label.split(".")
            try:
                return reverse(f"admin:{app_label}_{model_name}_change", args=[object_id])
            except NoReverseMatch:
                return None
    return None


def audit_history_view(model_admin, resource_type: str, request, object_id, extra_context=None):
    obj = model_admin.get_object(request, object_id)
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise PermissionDenied
    if not policy.can(request.user, "audit", "read"):
        raise PermissionDenied
    return redirect(history_url(resource_type, obj.pk))


def attach_audit_history(site: admin.AdminSite) -> None:
    """Point the History button of every audited model's admin at its audit trail."""
    for model, model_admin in site._registry.items():
        resource_type = AUDITED_MODELS.get(model._meta.label_lower)
        if resource_type:
            model_admin.history_view = functools.partial(audit_history_view, model_admin, resource_type)


def pretty_details(details) -> str:
    return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(details, indent=2, sort_keys=True))

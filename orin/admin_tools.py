"""Admin building blocks for the partitioned, tens-of-millions-row tables.

Django admin's changelist counts the whole table twice (result count and full count) and its
date_hierarchy runs DISTINCT over every row: both are the classic failure at this size. These
changelists instead take the planner's row estimate and always bound the time range, so
PostgreSQL prunes partitions.
"""

import datetime as dt
import json
from functools import cached_property

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404
from django.utils import timezone

from accounts import policy
from accounts.scoping import restrict


class EstimatedCountPaginator(Paginator):
    """Counts with the planner's estimate (EXPLAIN) instead of `count(*)`."""

    @cached_property
    def count(self) -> int:
        query = self.object_list.values("pk").query
        compiler = query.get_compiler(using=self.object_list.db)
        sql, params = compiler.as_sql()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])


class TimeRangeFilter(admin.SimpleListFilter):
    """Always bounds `timestamp`; the default (no choice made) is the last 24 hours."""

    title = "time range"
    parameter_name = "range"
    field_name = "timestamp"
    DEFAULT = "24h"
    RANGES = {
        "1h": ("Last hour", dt.timedelta(hours=1)),
        "24h": ("Last 24 hours", dt.timedelta(days=1)),
        "7d": ("Last 7 days", dt.timedelta(days=7)),
        "30d": ("Last 30 days", dt.timedelta(days=30)),
        "90d": ("Last 90 days", dt.timedelta(days=90)),
        "365d": ("Last 12 months", dt.timedelta(days=365)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.RANGES.items()]

    def choices(self, changelist):
        current = self.value() or self.DEFAULT
        for key, label in self.lookup_choices:
            yield {
                "selected": current == key,
                "query_string": changelist.get_query_string({self.parameter_name: key}),
                "display": label,
            }

    def queryset(self, request, queryset):
        _, span = self.RANGES.get(self.value() or self.DEFAULT, self.RANGES[self.DEFAULT])
        return queryset.filter(**{f"{self.field_name}__gte": timezone.now() - span})


class ReadOnlyAdminMixin:
    """For rows only the system writes (logs, views)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Access in the admin ---------------------------------------------------------------------


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """Offers only the related rows the user may see, so another site's name never shows up."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        rows = restrict(field.related_model._default_manager.all(), request.user)
        if ordering:
            rows = rows.order_by(*ordering)
        return [(row.pk, str(row)) for row in rows]


# Fields that hold device credentials (an RTSP URL usually embeds the camera's password).
CREDENTIAL_FIELDS = {
    "surveillance.dvr": ("username", "password"),
    "surveillance.camera": ("rtsp_url",),
}


class ScopedAdminMixin:
    """The model's access scope (accounts.scoping) applied to a ModelAdmin or inline: querysets,
    object permissions, foreign-key choices, list filters and autocomplete are limited to the
    user's sites and role; another site's object answers 404; device credentials
    (CREDENTIAL_FIELDS, or the admin's own `credential_fields`) are left out of the form unless
    the user may configure that device. Use the base classes below; OrinAdminSite wraps any
    other admin class (third-party apps) in this mixin when it is registered."""

    credential_fields: tuple[str, ...] = ()

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, "read")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} matches the given query.")
        return obj

    def _allowed_on(self, request, obj, action: str) -> bool:
        # Inlines are asked about their parent object, which the parent admin already scoped.
        if obj is None or not isinstance(obj, self.model):
            return True
        return restrict(self.model._default_manager.filter(pk=obj.pk), request.user, action).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._allowed_on(request, obj, "write")

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._allowed_on(request, obj, "delete")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", restrict(db_field.related_model._default_manager.all(), request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", restrict(db_field.related_model._default_manager.all(), request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        return [self._scoped_filter(entry) for entry in super().get_list_filter(request)]

    def _scoped_filter(self, entry):
        if not isinstance(entry, str):
            return entry
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return entry
        if getattr(field, "related_model", None) is None:
            return entry
        return (entry, ScopedRelatedFieldListFilter)

    def may_see_credentials(self, request, obj) -> bool:
        if obj is None:
            return policy.can(request.user, "cameras", "write")
        return policy.can(request.user, "cameras", "write") and self._allowed_on(request, obj, "write")

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        secret = self.credential_fields or CREDENTIAL_FIELDS.get(self.model._meta.label_lower, ())
        if secret and not self.may_see_credentials(request, obj):
            exclude += [name for name in secret if name not in exclude]
        return exclude or None


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The base of every ORIN ModelAdmin."""


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedAdminMixin, admin.StackedInline):
    pass


def scoped_admin_class(admin_class: type[admin.ModelAdmin] | None) -> type[admin.ModelAdmin]:
    """`admin_class` with the scope applied (unchanged if it already is)."""
    admin_class = admin_class or admin.ModelAdmin
    if issubclass(admin_class, ScopedAdminMixin):
        return admin_class
    return type(
        f"Scoped{admin_class.__name__}", (ScopedAdminMixin, admin_class), {"__module__": admin_class.__module__}
    )


class PartitionedModelAdmin(ScopedModelAdmin):
    """Read-mostly admin for a partitioned time-series table."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    time_filter = TimeRangeFilter

    def get_list_filter(self, request):
        return [self.time_filter, *super().get_list_filter(request)]

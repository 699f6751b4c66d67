"""The admin site is ORIN's operator console: Django admin's look and navigation, with the
dashboard as its index and the console screens (alert queue, event browser, face review,
timelines, media) as admin views, so every page shares one login, one menu and one policy."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import path


class OrinAdminSite(admin.AdminSite):
    site_header = "ORIN operations console"
    site_title = "ORIN"
    index_title = "Dashboard"
    site_url = None  # the console is the whole site

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every registered admin is scoped (accounts.scoping), third-party ones included."""
        from orin.admin_tools import scoped_admin_class

        super().register(model_or_iterable, scoped_admin_class(admin_class), **options)

    def get_urls(self):
        from orin.console_urls import CONSOLE_ROUTES

        console = [
            path(f"console/{route}", self.admin_view(view, cacheable=cacheable), name=name)
            for route, view, name, cacheable in CONSOLE_ROUTES
        ]
        return [*console, *super().get_urls()]

    def index(self, request, extra_context=None):
        from console.views import dashboard_context

        return super().index(request, {**dashboard_context(request), **(extra_context or {})})


class OrinAdminConfig(AdminConfig):
    default_site = "orin.admin_site.OrinAdminSite"

    def ready(self):
        super().ready()
        # ORIN grants through roles (accounts.Role), not Django groups: hide the unused screen.
        from django.contrib.auth.models import Group

        if admin.site.is_registered(Group):
            admin.site.unregister(Group)
        # Live feeds: alerts and events pushed to websocket groups once their transaction commits.
        from orin import live  # noqa: F401

from django.contrib import admin
from django.db import models

from orin.admin_tools import ReadOnlyAdminMixin, ScopedModelAdmin
from scenes.models import CameraPrompt, DescriberEndpoint, SceneDescription, SitePrivacy


@admin.register(DescriberEndpoint)
class DescriberEndpointAdmin(ScopedModelAdmin):
    list_display = ["name", "model", "base_url", "is_active", "min_severity", "requests_per_minute", "daily_budget"]
    list_filter = ["is_active"]
    search_fields = ["name", "model", "base_url"]
    readonly_fields = ["created_at", "updated_at"]
    # Describers usually run on the local network over plain http (Ollama, llama.cpp).
    formfield_overrides = {models.URLField: {"assume_scheme": "http"}}


@admin.register(CameraPrompt)
class CameraPromptAdmin(ScopedModelAdmin):
    list_display = ["camera", "prompt"]
    autocomplete_fields = ["camera"]
    search_fields = ["camera__name", "prompt"]


@admin.register(SitePrivacy)
class SitePrivacyAdmin(ScopedModelAdmin):
    list_display = ["site", "send_images"]
    list_filter = ["send_images"]
    autocomplete_fields = ["site"]


@admin.register(SceneDescription)
class SceneDescriptionAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["created_at", "status", "camera", "request_type", "model_name", "latency_ms", "total_tokens"]
    list_filter = ["status", "request_type", "camera__dvr__site"]
    search_fields = ["description", "camera__name"]
    list_select_related = ["camera"]
    date_hierarchy = "created_at"
    show_full_result_count = False

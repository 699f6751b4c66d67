"""Scene descriptions from a vision-language model (seed 001's `claude_analyses`, made pluggable).

- `DescriberEndpoint`: one OpenAI-compatible server (Ollama, llama.cpp, vLLM, LM Studio, or a
  hosted one), its model, encrypted API key, default prompt, limits; off until switched on.
- `CameraPrompt`: a camera's own prompt (what matters at this gate, this till).
- `SitePrivacy`: a site whose images must never be sent to any describer.
- `SceneDescription`: one request and its answer: model, latency, tokens, status, error, and a
  generated tsvector column (GIN-indexed) for full-text search.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.crypto import EncryptedTextField
from accounts.scoping import scoped_manager
from surveillance.models import Severity

DEFAULT_PROMPT = (
    "You are looking at a frame from a security camera. Describe in two or three plain sentences "
    "what you see: people (clothing, what they carry, what they do), vehicles (type, colour), and "
    "anything unusual or risky. Do not guess identities."
)
SEARCH_CONFIG = "english"


class DescriberEndpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(
        max_length=300,
        help_text="Server root; ORIN posts to {base_url}/v1/chat/completions (e.g. http://127.0.0.1:11434).",
    )
    model = models.CharField(max_length=200, help_text='Model name the server knows, e.g. "llava:7b".')
    api_key = EncryptedTextField(
        db_column="api_key_encrypted", null=True, blank=True, help_text="Bearer token, if the server asks for one."
    )
    prompt = models.TextField(default=DEFAULT_PROMPT, help_text="Used where the camera has no prompt of its own.")
    is_active = models.BooleanField(default=False, help_text="Off by default: nothing is sent until switched on.")
    min_severity = models.CharField(
        max_length=10,
        choices=Severity.choices,
        default=Severity.HIGH,
        help_text="Alerts of this severity and above are described automatically.",
    )
    describe_alerts = models.BooleanField(default=True, help_text="Describe new alerts automatically.")
    timeout_seconds = models.PositiveSmallIntegerField(default=60, validators=[MinValueValidator(1)])
    max_attempts = models.PositiveSmallIntegerField(default=4, validators=[MinValueValidator(1), MaxValueValidator(10)])
    requests_per_minute = models.PositiveIntegerField(default=20, validators=[MinValueValidator(1)])
    daily_budget = models.PositiveIntegerField(
        default=500, help_text="Requests per UTC day; past it, descriptions are skipped with a reason."
    )
    max_tokens = models.PositiveIntegerField(default=300, validators=[MinValueValidator(16)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("system", all_sites=True)

    class Meta:
        db_table = "scene_describer_endpoints"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="uq_one_active_describer")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.model})"

    @property
    def chat_url(self) -> str:
        return self.base_url.rstrip("/").removesuffix("/v1") + "/v1/chat/completions"


class CameraPrompt(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # the audit trigger keys on it
    camera = models.OneToOneField("surveillance.Camera", on_delete=models.CASCADE, related_name="scene_prompt")
    prompt = models.TextField()

    objects = scoped_manager("cameras", camera="camera")

    class Meta:
        db_table = "scene_camera_prompts"

    def __str__(self) -> str:
        return f"prompt for {self.camera}"


class SitePrivacy(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.OneToOneField("surveillance.Site", on_delete=models.CASCADE, related_name="scene_privacy")
    send_images = models.BooleanField(
        default=True, help_text="Off: this site's images are never sent to a describer (requests are refused)."
    )

    objects = scoped_manager("sites", site="site")

    class Meta:
        db_table = "scene_site_privacy"
        verbose_name_plural = "site privacy"

    def __str__(self) -> str:
        return f"{self.site}: {'images may be described' if self.send_images else 'no images leave'}"


class DescriptionStatus(models.TextChoices):
    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"  # not sent: privacy switch, budget, endpoint off, no image


class RequestType(models.TextChoices):
    ALERT = "alert"
    ON_DEMAND = "on_demand"


class SceneDescription(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camera = models.ForeignKey("surveillance.Camera", on_delete=models.CASCADE, related_name="scene_descriptions")
    # Events live in a partitioned table: no database FK (as alerts.Alert.event).
    event = models.ForeignKey(
        "surveillance.Event",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    event_timestamp = models.DateTimeField(null=True, blank=True)
    alert = models.ForeignKey(
        "alerts.Alert", on_delete=models.SET_NULL, null=True, blank=True, db_index=False, related_name="+"
    )
    # The incidents app is not on main yet: a plain id lets it link without a migration here.
    incident_id = models.UUIDField(null=True, blank=True)
    request_type = models.CharField(max_length=20, choices=RequestType.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    endpoint = models.ForeignKey(DescriberEndpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    endpoint_url = models.TextField(blank=True, default="")
    model_name = models.CharField(max_length=200, blank=True, default="")
    prompt = models.TextField(blank=True, default="")
    image_paths = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=DescriptionStatus.choices, default=DescriptionStatus.QUEUED)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True, default="")
    response = models.JSONField(null=True, blank=True, help_text="The server's answer, as received.")
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Last time an image went out (budget/rate).")
    # When the worker should next act on it; the sweep re-enqueues rows left well past it (lost task).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("description", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = scoped_manager("events", camera="camera")

    class Meta:
        db_table = "scene_descriptions"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at"], name="idx_scene_desc_created"),
            models.Index(fields=["event"], name="idx_scene_desc_event", condition=Q(event__isnull=False)),
            models.Index(fields=["alert"], name="idx_scene_desc_alert", condition=Q(alert__isnull=False)),
            models.Index(
                fields=["incident_id"], name="idx_scene_desc_incident", condition=Q(incident_id__isnull=False)
            ),
            models.Index(fields=["camera", "-created_at"], name="idx_scene_desc_camera"),
            models.Index(fields=["sent_at"], name="idx_scene_desc_sent", condition=Q(sent_at__isnull=False)),
            GinIndex(fields=["search_vector"], name="idx_scene_desc_search"),
            models.Index(
                fields=["next_attempt_at"],
                name="idx_scene_desc_unfinished",
                condition=Q(status__in=["queued", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return (self.description[:60] or self.status) + f" ({self.camera})"

"""Incidents (seed 003, ERIOP incident response): cases opened from alerts, with a number, an
owner, a status lifecycle, a timeline of messages, evidence, an SLA and an SOP checklist.

Every state change goes through `incidents.services.lifecycle` (history rows + timeline
messages + live pushes after commit); nothing sets `Incident.status` by hand.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.scoping import scoped_manager
from surveillance.models import Severity


class IncidentStatus(models.TextChoices):
    NEW = "new"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route", "En route"
    ON_SCENE = "on_scene", "On scene"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_STATUSES = (
    IncidentStatus.NEW,
    IncidentStatus.ASSIGNED,
    IncidentStatus.EN_ROUTE,
    IncidentStatus.ON_SCENE,
)
PRIORITY_LABELS = {1: "P1 critical", 2: "P2 high", 3: "P3 medium", 4: "P4 low", 5: "P5 informational"}


class IncidentType(models.Model):
    """A kind of incident (intrusion, fire, medical…) with its standard operating procedure."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    category = models.CharField(max_length=50, blank=True, default="", help_text="e.g. security, safety, technical")
    default_priority = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    sop_steps = models.JSONField(
        default=list, blank=True, help_text='The SOP checklist, in order: ["Verify on camera", "Call the guard", …]'
    )
    is_active = models.BooleanField(default=True)

    objects = scoped_manager(
        "incidents", shared=True, why="Incident types and their SOPs are one catalogue for every site."
    )

    class Meta:
        db_table = "incident_types"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SLAPolicy(models.Model):
    """Time to acknowledge (leave `new`) and to resolve, per priority."""

    priority = models.PositiveSmallIntegerField(unique=True, validators=[MinValueValidator(1), MaxValueValidator(5)])
    acknowledge_minutes = models.PositiveIntegerField()
    resolve_minutes = models.PositiveIntegerField()

    objects = scoped_manager("incidents", shared=True, why="SLA targets are the same at every site.")

    class Meta:
        db_table = "incident_sla_policies"
        ordering = ["priority"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=5), name="chk_sla_priority"),
        ]

    def __str__(self) -> str:
        return f"P{self.priority}: ack {self.acknowledge_minutes} min, resolve {self.resolve_minutes} min"


class IncidentSequence(models.Model):
    """The last incident number issued per year (INC-YYYY-NNNNN), advanced by one atomic upsert."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    objects = scoped_manager("incidents", all_sites=True)

    class Meta:
        db_table = "incident_sequences"


class Incident(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    incident_type = models.ForeignKey(
        IncidentType, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    category = models.CharField(max_length=50, blank=True, default="")
    priority = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1), MaxValueValidator(5)])
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.NEW)
    site = models.ForeignKey("surveillance.Site", on_delete=models.PROTECT, related_name="incidents")
    camera = models.ForeignKey(
        "surveillance.Camera", on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    zone = models.ForeignKey(
        "surveillance.CameraZone", on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    multi_site = models.BooleanField(
        default=False, help_text="Spans several sites: only users who see all of them may open or change it."
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_by_policy = models.ForeignKey(
        "AutoOpenPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_incidents"
    )
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children")
    linked = models.ManyToManyField("self", blank=True, symmetrical=True, db_table="incident_links")
    alerts = models.ManyToManyField("alerts.Alert", through="IncidentAlert", related_name="incidents", blank=True)
    outcome = models.TextField(blank=True, default="", help_text="How it ended (written when resolving)")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True, help_text="When it first left “new”")
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    acknowledge_due_at = models.DateTimeField(null=True, blank=True)
    resolve_due_at = models.DateTimeField(null=True, blank=True)
    acknowledge_breached_at = models.DateTimeField(null=True, blank=True)
    resolve_breached_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager("incidents", site="site")

    class Meta:
        db_table = "incidents"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=5), name="chk_incidents_priority"),
            models.CheckConstraint(condition=~Q(title=""), name="chk_incidents_title"),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="idx_incidents_status"),
            models.Index(fields=["site", "-created_at"], name="idx_incidents_site"),
            models.Index(fields=["assigned_to"], name="idx_incidents_assignee", condition=Q(assigned_to__isnull=False)),
            models.Index(
                fields=["acknowledge_due_at"],
                name="idx_incidents_ack_due",
                condition=Q(status="new", acknowledge_breached_at__isnull=True),
            ),
            models.Index(
                fields=["resolve_due_at"],
                name="idx_incidents_resolve_due",
                condition=Q(status__in=["new", "assigned", "en_route", "on_scene"], resolve_breached_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now=None) -> bool:
        now = now or timezone.now()
        if self.status == IncidentStatus.NEW and self.acknowledge_due_at and self.acknowledge_due_at <= now:
            return True
        return bool(self.is_open and self.resolve_due_at and self.resolve_due_at <= now)


class IncidentAlert(models.Model):
    """A source alert of an incident; an alert belongs to at most one incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alert_links")
    alert = models.OneToOneField("alerts.Alert", on_delete=models.CASCADE, related_name="incident_link")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    objects = scoped_manager("incidents", via="incident", why="Follows its incident.")

    class Meta:
        db_table = "incident_alerts"
        ordering = ["added_at"]


class IncidentTransition(models.Model):
    """Who moved an incident where, when and why; written only by the lifecycle service."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=IncidentStatus.choices)
    to_status = models.CharField(max_length=20, choices=IncidentStatus.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = scoped_manager("incidents", via="incident", why="Follows its incident.")

    class Meta:
        db_table = "incident_transitions"
        ordering = ["created_at"]


class MessageKind(models.TextChoices):
    COMMENT = "comment"
    STATUS = "status"
    ASSIGNMENT = "assignment"
    EVIDENCE = "evidence"
    ALERTS = "alerts", "Alerts attached"
    SOP = "sop", "SOP step"
    LINK = "link"
    SLA = "sla", "SLA breach"
    UPDATE = "update"


class IncidentMessage(models.Model):
    """One entry of the incident's chronological thread (seed 003 `messages`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=MessageKind.choices, default=MessageKind.COMMENT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = scoped_manager("incidents", via="incident", why="Follows its incident.")

    class Meta:
        db_table = "incident_messages"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="idx_incident_messages")]


class EvidenceKind(models.TextChoices):
    EVENT = "event"
    SNAPSHOT = "snapshot"
    CLIP = "clip"
    FILE = "file", "Uploaded file"


class IncidentEvidence(models.Model):
    """Something attached as evidence. `locked` marks it evidence-locked: retention must keep the
    media while it is set (the media lock service that enforces it comes with the video work)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    event_id = models.UUIDField(null=True, blank=True, help_text="Event (partitioned table, no FK)")
    event_timestamp = models.DateTimeField(null=True, blank=True)
    media_file = models.ForeignKey(
        "surveillance.MediaFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    camera = models.ForeignKey(
        "surveillance.Camera", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    storage_path = models.TextField(blank=True, default="", help_text="Storage name of the snapshot / clip / file")
    content_type = models.CharField(max_length=100, blank=True, default="")
    file_size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    caption = models.CharField(max_length=300, blank=True, default="")
    locked = models.BooleanField(default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = scoped_manager("incidents", via="incident", why="Follows its incident.")

    class Meta:
        db_table = "incident_evidence"
        ordering = ["added_at"]
        verbose_name_plural = "incident evidence"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class IncidentSOPStep(models.Model):
    """One step of the incident's SOP checklist, copied from its type when opened."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sop_steps")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager("incidents", via="incident", why="Follows its incident.")

    class Meta:
        db_table = "incident_sop_steps"
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["incident", "position"], name="uq_incident_sop_position")]


class AutoOpenKind(models.TextChoices):
    UNACKNOWLEDGED = "unacknowledged", "Alert of a severity unacknowledged for N minutes"
    BURST = "burst", "N alerts of one camera within M minutes"


class AutoOpenPolicy(models.Model):
    """When the system opens an incident by itself at a site (evaluated by Celery beat)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey("surveillance.Site", on_delete=models.CASCADE, related_name="incident_policies")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=AutoOpenKind.choices)
    severity = models.CharField(
        max_length=10,
        choices=Severity.choices,
        default=Severity.CRITICAL,
        help_text="Lowest alert severity that counts",
    )
    minutes = models.PositiveIntegerField(default=5, validators=[MinValueValidator(1)])
    alert_count = models.PositiveIntegerField(default=3, validators=[MinValueValidator(2)], help_text="burst: N")
    priority = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1), MaxValueValidator(5)])
    incident_type = models.ForeignKey(IncidentType, on_delete=models.SET_NULL, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("incidents", site="site")

    class Meta:
        db_table = "incident_auto_open_policies"
        ordering = ["site__name", "name"]
        verbose_name_plural = "auto-open policies"

    def __str__(self) -> str:
        return f"{self.site}: {self.name}"

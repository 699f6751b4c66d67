"""Incidents, their timeline, evidence and actions. Every row goes through
`Incident.objects.restrict` (another site's incident answers 404); every change goes through
incidents.services, whose refusals answer 400 (bad input), 403 (role or site) or 409 (state)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.rest.access import PolicyViewSetMixin
from accounts.rest.errors import Conflict
from accounts.rest.pagination import KeysetPagination
from accounts.services.audit import record_access
from incidents.filters import IncidentFilter
from incidents.models import Incident, IncidentAlert, IncidentSOPStep, IncidentType
from incidents.rest import serializers as s
from incidents.services import actions, evidence, report

BINARY = OpenApiResponse(OpenApiTypes.BINARY, description="The file")


def service_error(exc: actions.IncidentError) -> exceptions.APIException:
    if exc.code == "conflict":
        return Conflict(str(exc))
    if exc.code == "forbidden":
        return exceptions.PermissionDenied(str(exc))
    return exceptions.ValidationError({"non_field_errors": [str(exc)]})


class IncidentViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents of the user's sites, newest first (keyset-paged)."""

    queryset = Incident.objects.select_related("site").prefetch_related(
        Prefetch("alert_links", queryset=IncidentAlert.objects.only("incident_id", "alert_id")),
        Prefetch("sop_steps", queryset=IncidentSOPStep.objects.order_by("position")),
        "linked",
    )
    serializer_class = s.IncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = KeysetPagination
    cursor_time_field = "created_at"
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    policy_actions = {"assign": "assign", "messages": "read", "evidence": "read", "evidence_file": "read"}

    def policy_rule(self, request):
        if self.action in ("messages", "evidence") and request.method == "POST":
            return "incidents", "write"
        return super().policy_rule(request)

    def _run(self, step, *args, **kwargs):
        try:
            return step(*args, **kwargs)
        except actions.IncidentError as exc:
            raise service_error(exc) from None

    def _answer(self, incident, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=incident.pk)).data, status=code)

    @extend_schema(request=s.IncidentCreateSerializer, responses={201: s.IncidentSerializer})
    def create(self, request):
        """Open an incident by hand or from alerts (all of them, or nothing, is written)."""
        form = s.IncidentCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        incident = self._run(
            actions.open_incident,
            user=request.user,
            title=data["title"],
            description=data["description"],
            site=data["site"],
            camera=data["camera"],
            alert_ids=data["alerts"],
            incident_type=data["incident_type"],
            priority=data["priority"],
            multi_site=data["multi_site"],
        )
        return self._answer(incident, status.HTTP_201_CREATED)

    @extend_schema(request=s.IncidentUpdateSerializer, responses=s.IncidentSerializer)
    def partial_update(self, request, pk=None):
        incident = self.get_object()
        form = s.IncidentUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(self._run(actions.update_details, incident, request.user, **form.validated_data))

    @extend_schema(request=s.StatusChangeSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="status", pagination_class=None, filterset_class=None)
    def change_status(self, request, pk=None):
        """Move along new → assigned → en route → on scene → resolved → closed (or cancelled)."""
        incident = self.get_object()
        form = s.StatusChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        step = actions.change_status
        return self._answer(self._run(step, incident, data["status"], request.user, data["note"], data["assignee"]))

    @extend_schema(request=s.AssignSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def assign(self, request, pk=None):
        incident = self.get_object()
        form = s.AssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        return self._answer(self._run(actions.assign_incident, incident, data["assignee"], request.user, data["note"]))

    @extend_schema(request=s.AlertIdsSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def alerts(self, request, pk=None):
        """Attach more alerts (unknown ids, alerts in another incident or of another site: 400/409)."""
        incident = self.get_object()
        form = s.AlertIdsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(self._run(actions.attach_alerts, incident, form.validated_data["alerts"], request.user))

    @extend_schema(methods=["GET"], responses=s.MessageSerializer(many=True), summary="The timeline, oldest first")
    @extend_schema(methods=["POST"], request=s.CommentSerializer, responses={201: s.MessageSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def messages(self, request, pk=None):
        incident = self.get_object()
        if request.method == "GET":
            rows = incident.messages.select_related("author")
            return Response(s.MessageSerializer(rows, many=True).data)
        form = s.CommentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = self._run(actions.add_comment, incident, request.user, form.validated_data["body"])
        return Response(s.MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=s.EvidenceSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.EvidenceCreateSerializer, "application/json": s.EvidenceCreateSerializer},
        responses={201: s.EvidenceSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def evidence(self, request, pk=None):
        incident = self.get_object()
        if request.method == "GET":
            return Response(s.EvidenceSerializer(incident.evidence.all(), many=True).data)
        form = s.EvidenceCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if data.get("event"):
            item = self._run(evidence.attach_event, incident, data["event"], request.user, data["caption"])
        else:
            item = self._run(evidence.attach_upload, incident, data["file"], request.user, data["caption"])
        return Response(s.EvidenceSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=BINARY)
    @action(
        detail=True,
        methods=["get"],
        url_path=r"evidence/(?P<evidence_id>[0-9a-fA-F-]{36})/file",
        pagination_class=None,
        filterset_class=None,
    )
    def evidence_file(self, request, pk=None, evidence_id=None):
        incident = self.get_object()
        item = incident.evidence.filter(pk=evidence_id).first()
        data = evidence.read_evidence(item) if item else None
        if data is None:
            raise exceptions.NotFound("no such evidence file")
        record_access(request.user, "media_download", "incident_evidence", item.pk, request=request)
        return HttpResponse(data, content_type=item.content_type or "application/octet-stream")

    @extend_schema(request=s.SOPTickSerializer, responses=s.SOPStepSerializer)
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def sop(self, request, pk=None):
        """Tick (or untick) a step of the SOP checklist; the timeline records who and when."""
        incident = self.get_object()
        form = s.SOPTickSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        step = self._run(actions.tick_sop_step, incident, data["step"], request.user, data["done"])
        return Response(s.SOPStepSerializer(step).data)

    @extend_schema(request=s.LinkSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def link(self, request, pk=None):
        incident = self.get_object()
        form = s.LinkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        other = self.get_queryset().filter(pk=form.validated_data["incident"]).first()
        if other is None:
            raise exceptions.ValidationError({"incident": ["unknown incident"]})
        parent = form.validated_data["parent"]
        return self._answer(self._run(actions.link_incidents, incident, other, request.user, parent))

    @extend_schema(responses=s.TransitionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def transitions(self, request, pk=None):
        return Response(s.TransitionSerializer(self.get_object().transitions.all(), many=True).data)

    @extend_schema(responses=BINARY, summary="The incident report as PDF")
    @action(detail=True, methods=["get"], url_path="report.pdf", pagination_class=None, filterset_class=None)
    def report_pdf(self, request, pk=None):
        incident = self.get_object()
        record_access(request.user, "incident_report", "incident", incident.pk, request=request)
        response = HttpResponse(report.render_pdf(report.build(incident, request.user)), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{incident.number}.pdf"'
        return response


class IncidentTypeViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Incident types and their SOP checklists (edited in the admin)."""

    queryset = IncidentType.objects.filter(is_active=True)
    serializer_class = s.IncidentTypeSerializer
    pagination_class = None

"""Alert rules, alerts (with acknowledge / resolve / ignore), notification channels."""

from __future__ import annotations

import django_filters
from django.db.models import F
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.rest.access import PolicyViewSetMixin
from accounts.rest.errors import Conflict
from accounts.rest.filters import any_of
from accounts.rest.pagination import KeysetPagination
from alerts.filters import AlertFilter
from alerts.models import ActiveAlert, Alert, AlertRule, AlertStatus, NotificationChannel
from alerts.rest import serializers as s
from alerts.services import lifecycle, queue
from surveillance.models import EventType, Severity

ACKNOWLEDGE = ("events", "acknowledge")  # the matrix's right to handle alerts (operators have it)


class AlertRuleFilter(django_filters.FilterSet):
    camera = django_filters.UUIDFilter(field_name="camera_id")
    person = django_filters.UUIDFilter(field_name="person_id")
    event_type = django_filters.ChoiceFilter(choices=EventType.choices)
    severity = any_of(Severity.choices)

    class Meta:
        model = AlertRule
        fields = ["camera", "person", "event_type", "severity", "is_active"]


class AlertRuleViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Rules (alerts.configure to change). A rule on a camera is seen only where the camera is; a
    rule without a camera is read by everyone and changed only by users who see every site."""

    queryset = AlertRule.objects.prefetch_related("channels", "escalation_channels")
    serializer_class = s.AlertRuleSerializer
    filterset_class = AlertRuleFilter

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


class AlertViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Alerts, newest first (keyset-paged). State changes go through the alert lifecycle; a change
    the alert's state refuses (e.g. resolving a pending alert) answers 409."""

    queryset = Alert.objects.annotate(site_id=F("camera__dvr__site_id"))
    serializer_class = s.AlertSerializer
    filterset_class = AlertFilter
    pagination_class = KeysetPagination
    cursor_time_field = "created_at"
    policy_actions = {"acknowledge": ACKNOWLEDGE, "resolve": ACKNOWLEDGE, "ignore": ACKNOWLEDGE, "bulk": ACKNOWLEDGE}

    def _transition(self, request, step):
        alert = self.get_object()
        form = s.AlertActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            step(alert, request.user, form.validated_data["note"])
        except lifecycle.TransitionError as exc:
            raise Conflict(str(exc)) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)

    @extend_schema(request=s.AlertActionSerializer, responses=s.AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._transition(request, lifecycle.acknowledge_alert)

    @extend_schema(request=s.AlertActionSerializer, responses=s.AlertSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._transition(request, lifecycle.resolve_alert)

    @extend_schema(request=s.AlertActionSerializer, responses=s.AlertSerializer)
    @action(detail=True, methods=["post"])
    def ignore(self, request, pk=None):
        return self._transition(request, lifecycle.ignore_alert)

    @extend_schema(responses=s.AlertTransitionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def transitions(self, request, pk=None):
        """Who moved the alert where, when, and why."""
        alert = self.get_object()
        return Response(s.AlertTransitionSerializer(alert.transitions.all(), many=True).data)

    @extend_schema(request=s.AlertBulkActionSerializer, responses=s.AlertBulkResultSerializer)
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def bulk(self, request):
        """Acknowledge, resolve (acknowledging first where needed) or ignore many alerts at once;
        alerts already moved on by someone else are reported, not failed on."""
        form = s.AlertBulkActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        result = queue.handle_alerts(request.user, data["alerts"], data["action"], data["note"])
        body = {
            "done": [a.pk for a in result.done],
            "refused": {str(a.pk): reason for a, reason in result.refused},
            "missing": result.missing,
        }
        return Response(s.AlertBulkResultSerializer(body).data)


class ActiveAlertFilter(django_filters.FilterSet):
    severity = any_of(Severity.choices)
    status = any_of(AlertStatus.choices)

    class Meta:
        model = ActiveAlert
        fields = ["severity", "status"]


class ActiveAlertViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The seed's vw_active_alerts (every site, so super admins only; others use /alerts/)."""

    queryset = ActiveAlert.objects.all()
    serializer_class = s.ActiveAlertSerializer
    filterset_class = ActiveAlertFilter

    def get_queryset(self):
        return super().get_queryset().order_by(queue.MOST_SEVERE_FIRST, "-created_at", "alert_id")


class NotificationChannelFilter(django_filters.FilterSet):
    owner = django_filters.UUIDFilter(field_name="owner_id")

    class Meta:
        model = NotificationChannel
        fields = ["channel_type", "is_active", "owner"]


class NotificationChannelViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Where alerts are sent. Secrets are write-only (`has_*` says whether one is set)."""

    queryset = NotificationChannel.objects.select_related("telegram", "whatsapp", "email", "webhook")
    serializer_class = s.NotificationChannelSerializer
    filterset_class = NotificationChannelFilter

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

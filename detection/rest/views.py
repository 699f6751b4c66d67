"""Guards (cameras.write to change) and detection events (events.read; review with events.acknowledge)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.rest.access import PolicyViewSetMixin
from accounts.rest.pagination import KeysetPagination
from detection.filters import DetectionFilter, detection_events
from detection.models import Guard
from detection.rest import serializers as s
from detection.services.guards import guard_catches, with_stats
from detection.services.reviews import ReviewRefused, review_detection


class GuardViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """AI guards: what to watch for (class set, sensitivity, schedule, zones) on which cameras,
    with catches, false positives (reviewers' verdicts) and success rate."""

    queryset = with_stats(Guard.objects.select_related("site").prefetch_related("zones", "cameras")).order_by(
        "site__name", "name"
    )
    serializer_class = s.GuardSerializer
    filterset_fields = ["site", "guard_type", "is_active"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "action", None) in ("list", "retrieve"):
            ids = [self.kwargs["pk"]] if "pk" in self.kwargs else None
            rows = self.filter_queryset(self.get_queryset())
            context["catches"] = guard_catches(ids or list(rows.values_list("id", flat=True)[:500]))
        return context


class DetectionViewSet(PolicyViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People, objects and motion detected by ORIN's detector or posted by edge devices, newest
    first (keyset-paged); filter by class (`label`), guard, camera, track."""

    queryset = detection_events()
    serializer_class = s.DetectionSerializer
    filterset_class = DetectionFilter
    pagination_class = KeysetPagination
    cursor_time_field = "timestamp"
    policy_actions = {"review": ("events", "acknowledge")}  # operators review what they handle

    @extend_schema(request=s.ReviewSerializer, responses=s.DetectionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Mark a detection confirmed or a false detection (counts against its guard)."""
        event = self.get_object()
        form = s.ReviewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            review_detection(event, form.validated_data["verdict"], user=request.user, note=form.validated_data["note"])
        except ReviewRefused as exc:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"verdict": [str(exc)]}) from None
        event.refresh_from_db()
        return Response(s.DetectionSerializer(event, context=self.get_serializer_context()).data)

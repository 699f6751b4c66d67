"""Scene descriptions: list/search (one FilterSet with the console) and 'describe this'."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.rest.access import PolicyViewSetMixin, restrict_for
from accounts.rest.pagination import KeysetPagination
from alerts.models import Alert
from scenes.filters import SceneDescriptionFilter
from scenes.models import SceneDescription
from scenes.rest import serializers as s
from scenes.services import describing
from scenes.services.budget import BudgetExhausted
from surveillance.models import Event

DESCRIBE = ("events", "acknowledge")  # asking for a description is operator work


class SceneDescriptionViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Descriptions of what cameras saw, newest first; `q` searches their text. Only the
    descriptions of cameras at the requester's sites are listed."""

    queryset = SceneDescription.objects.select_related("camera__dvr")
    serializer_class = s.SceneDescriptionSerializer
    filterset_class = SceneDescriptionFilter
    pagination_class = KeysetPagination
    cursor_time_field = "created_at"
    policy_actions = {"describe": DESCRIBE}

    @extend_schema(
        request=s.DescribeRequestSerializer,
        responses={
            202: s.SceneDescriptionSerializer,
            404: OpenApiResponse(description="No such event or alert among your sites"),
            409: OpenApiResponse(description="Refused: no endpoint on, privacy switch, no snapshot"),
            429: OpenApiResponse(description="Today's budget is spent"),
        },
    )
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def describe(self, request):
        """Queue a description of an event's snapshot or an alert's; the answer arrives later
        (poll the description)."""
        form = s.DescribeRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            if data.get("event"):
                events = restrict_for(request, Event.objects.select_related("camera__dvr__site"))
                event = events.filter(pk=data["event"]).first()
                if event is None:
                    raise NotFound("no such event among your sites")
                description = describing.describe_event(event, request.user)
            else:
                alerts = restrict_for(request, Alert.objects.select_related("camera__dvr__site"))
                alert = alerts.filter(pk=data["alert"]).first()
                if alert is None:
                    raise NotFound("no such alert among your sites")
                description = describing.describe_alert(alert, request.user)
        except describing.DescribeRefused as exc:
            return Response({"detail": str(exc), "code": "refused"}, status=status.HTTP_409_CONFLICT)
        except BudgetExhausted as exc:
            return Response({"detail": str(exc), "code": "budget_spent"}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return Response(self.get_serializer(description).data, status=status.HTTP_202_ACCEPTED)

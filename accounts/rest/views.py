"""Users, roles, site assignments, device keys, the caller's own sessions, and the audit log."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import policy
from accounts.models import APIKey, AuditLog, Role, User, UserSiteAssignment
from accounts.rest import serializers as s
from accounts.rest.access import PolicyViewSetMixin, request_api_key, restrict_for
from accounts.rest.filters import ListFiltersOnlyMixin, TimeBoundFilterSet, time_range
from accounts.rest.pagination import KeysetPagination
from accounts.services.api_keys import issue_api_key, revoke_api_key
from accounts.services.sessions import SESSION_CLAIM, active_sessions, revoke_all_sessions, revoke_session


class MeView(APIView):
    """The signed-in user: role, permission matrix and visible sites."""

    @extend_schema(responses=s.MeSerializer, tags=["auth"])
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)


class RoleViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Role.objects.all()
    serializer_class = s.RoleSerializer


class UserFilter(django_filters.FilterSet):
    role = django_filters.CharFilter(field_name="role__name")
    site = django_filters.UUIDFilter(field_name="site_assignments__site_id")
    username = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = User
        fields = ["role", "site", "is_active", "username"]


class UserViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Accounts (administrators). Only a super admin may touch super admins."""

    queryset = User.objects.select_related("role").prefetch_related(
        Prefetch("site_assignments", queryset=UserSiteAssignment.objects.only("id", "user_id", "site_id"))
    )
    serializer_class = s.UserSerializer
    filterset_class = UserFilter

    def _guard(self, target: User) -> None:
        requester = self.request.user
        if policy.is_unrestricted(target) and not policy.is_unrestricted(requester):
            raise exceptions.PermissionDenied("only a super admin may change a super admin")

    def perform_update(self, serializer):
        self._guard(serializer.instance)
        serializer.save()

    def perform_destroy(self, instance):
        self._guard(instance)
        if instance.pk == self.request.user.pk:
            raise exceptions.PermissionDenied("you cannot delete your own account")
        instance.delete()


class SiteAssignmentViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Which users see which sites (administrators, within their own sites)."""

    queryset = UserSiteAssignment.objects.order_by("created_at", "id")
    serializer_class = s.UserSiteAssignmentSerializer
    filterset_fields = ["user", "site"]


class APIKeyFilter(django_filters.FilterSet):
    user = django_filters.UUIDFilter(field_name="user_id")
    active = django_filters.BooleanFilter(method="filter_active")

    class Meta:
        model = APIKey
        fields = ["user", "active"]

    def filter_active(self, queryset, name, value):
        active = APIKey.objects.active().values("pk")
        return queryset.filter(pk__in=active) if value else queryset.exclude(pk__in=active)


@extend_schema_view(create=extend_schema(responses={201: s.IssuedAPIKeySerializer}))
class APIKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Device API keys. Administrators issue them (the key is shown once) and see all; every user
    sees and may revoke their own. DELETE revokes (the row stays, for the audit trail)."""

    queryset = APIKey.objects.select_related("user").prefetch_related("sites", "cameras")
    serializer_class = s.APIKeySerializer
    filterset_class = APIKeyFilter

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if request_api_key(self.request) is None and policy.can(user, "users", "read"):
            return restrict_for(self.request, queryset)
        return queryset.filter(user=user)

    def get_serializer_class(self):
        return s.IssuedAPIKeySerializer if self.action == "create" else s.APIKeySerializer

    def create(self, request, *args, **kwargs):
        if request_api_key(request) is not None or not policy.can(request.user, "users", "write"):
            raise exceptions.PermissionDenied("only administrators issue device keys")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        api_key, raw = issue_api_key(
            data["user"],
            data["name"],
            sites=data.get("sites", ()),
            cameras=data.get("cameras", ()),
            expires_at=data.get("expires_at"),
        )
        api_key.key = raw
        return Response(s.IssuedAPIKeySerializer(api_key, context=self.get_serializer_context()).data, status=201)

    def perform_destroy(self, instance):
        revoke_api_key(instance)

    @extend_schema(request=None, responses=s.APIKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        api_key = self.get_object()
        revoke_api_key(api_key)
        api_key.refresh_from_db()
        return Response(self.get_serializer(api_key).data)


@extend_schema_view(destroy=extend_schema(parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)]))
class SessionViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own API sessions (JWT sign-ins). DELETE signs one out everywhere."""

    queryset = OutstandingToken.objects.none()  # names the model; rows come from active_sessions()
    serializer_class = s.SessionSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OutstandingToken.objects.none()
        return active_sessions(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        token = getattr(self.request, "auth", None)
        context["current_session"] = str(token.get(SESSION_CLAIM, "")) if hasattr(token, "get") else ""
        return context

    def perform_destroy(self, instance):
        revoke_session(instance)

    @extend_schema(request=None, responses={204: None})
    @action(detail=False, methods=["post"], url_path="revoke-all")
    def revoke_all(self, request):
        """Sign out of every API session."""
        revoke_all_sessions(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditLogFilter(TimeBoundFilterSet):
    timestamp = time_range()
    user = django_filters.UUIDFilter(field_name="user_id")
    resource_id = django_filters.UUIDFilter()

    class Meta:
        model = AuditLog
        fields = ["timestamp", "user", "action", "resource_type", "resource_id"]


class AuditLogViewSet(ListFiltersOnlyMixin, PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The audit trail (read-only; newest first, keyset-paged, time-bounded)."""

    queryset = AuditLog.objects.all()
    serializer_class = s.AuditLogSerializer
    filterset_class = AuditLogFilter
    pagination_class = KeysetPagination
    cursor_time_field = "timestamp"

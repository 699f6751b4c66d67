"""The access rules (accounts.policy for the role, accounts.scoping for the rows) applied to DRF
views: one place, so no endpoint can forget them.

- `PolicyPermission`: the role matrix answers whether the user may perform the view's action;
  on an object, an unsafe method also needs the object among the rows the user may change
  (403: it can be read, not changed).
- `PolicyViewSetMixin.get_queryset`: `restrict()` narrows rows to the user's sites (and a
  device key's sites and cameras), so other sites' objects answer 404 on detail, actions and
  nested routes.
- `ScopedRelatedField`: a foreign key may only point at rows the requester can see.
"""

from __future__ import annotations

from rest_framework import permissions, serializers

from accounts import policy
from accounts.models import APIKey
from accounts.scoping import Viewer, apply_scope, restrict, scope_of


def request_api_key(request) -> APIKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, APIKey) else None


def restrict_for(request, queryset, action: str = "read"):
    """`restrict()` with the request's user and device key."""
    return restrict(queryset, request.user, action, api_key=request_api_key(request))


def method_action(method: str) -> str:
    if method in permissions.SAFE_METHODS:
        return "read"
    return "delete" if method == "DELETE" else "write"


class PolicyPermission(permissions.BasePermission):
    """The view's (resource, action) must be granted by the user's role."""

    message = "your role does not allow this"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        resource, action = view.policy_rule(request)
        return policy.can(user, resource, action)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        # The role already allowed the action (has_permission); this asks whether the row is
        # among those the user may change, e.g. a rule that applies to other sites too.
        _, action = view.policy_rule(request)
        self.message = "you may see this object but not change it"
        viewer = Viewer(request.user, action, request_api_key(request))
        return apply_scope(type(obj)._default_manager.filter(pk=obj.pk), viewer).exists()


class PolicyViewSetMixin:
    """For (model) viewsets. `policy_resource` defaults to the resource of the model's scope;
    `policy_actions` maps a view action to a matrix action or to a (resource, action) pair,
    e.g. {"acknowledge": ("events", "acknowledge")}."""

    permission_classes = [permissions.IsAuthenticated, PolicyPermission]
    policy_resource: str | None = None
    policy_actions: dict[str, str | tuple[str, str]] = {}

    def get_policy_resource(self) -> str:
        return self.policy_resource or scope_of(self.queryset.model).resource

    def policy_rule(self, request) -> tuple[str, str]:
        rule = self.policy_actions.get(getattr(self, "action", None) or "")
        if isinstance(rule, tuple):
            return rule
        return self.get_policy_resource(), rule or method_action(request.method)

    def get_queryset(self):
        return restrict_for(self.request, super().get_queryset())


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A UUID foreign key limited to the rows the requester may read: others read as missing."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("pk_field", serializers.UUIDField(format="hex_verbose"))
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return restrict_for(request, queryset)

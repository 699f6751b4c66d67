"""Django's permission checks answered by the access policy.

Django admin asks `user.has_perm("app.change_model")`; ORIN keeps no per-user Django
permissions, so this backend translates those questions into the role matrix
(`accounts.policy.can_on_model`). Row-level scoping (sites) stays in `policy.restrict`, which
the admin mixin applies to every queryset.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import policy
from accounts.services import lockout

# Django's codename verbs → the matrix's actions.
DJANGO_ACTIONS = {"view": "read", "add": "write", "change": "write", "delete": "delete"}


def _model_for(perm: str):
    app_label, _, codename = perm.partition(".")
    verb, _, model_name = codename.partition("_")
    if verb not in DJANGO_ACTIONS or not model_name:
        return None, None
    try:
        return apps.get_model(app_label, model_name), DJANGO_ACTIONS[verb]
    except LookupError:
        return None, None


class PolicyBackend(ModelBackend):
    """Authenticates like ModelBackend (after the per-user lock and per-address slow-down of
    `accounts.services.lockout`); permissions come from the role matrix only."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if lockout.refuse_locked_user(request, {"username": username, **kwargs}):
            raise PermissionDenied("this account is locked after repeated failed sign-ins")
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not user_obj.is_active or not user_obj.is_staff:
            return False
        model, action = _model_for(perm)
        if model is None:
            return False
        if not policy.model_visible_to(user_obj, model):
            return False
        return policy.can_on_model(user_obj, model, action)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        if not user_obj.is_active or not user_obj.is_staff:
            return False
        try:
            models = apps.get_app_config(app_label).get_models()
        except LookupError:
            return False
        return any(
            policy.model_visible_to(user_obj, model) and policy.can_on_model(user_obj, model, "read")
            for model in models
        )

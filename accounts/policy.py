"""What a user's role allows, and which sites they are assigned: the two facts every access
decision starts from.

- `can(user, resource, action)`: the role's permission matrix (seed 004 roles.permissions).
- `site_ids_for(user)`: the sites assigned to the user (user_site_assignments); None for
  super_admin and Django superusers, who see every site (as in the seed's RLS policies).

Which rows follow from them is each model's scope (`accounts.scoping`): use
`Model.objects.restrict(user, action)`, never a hand-written site filter.
"""

from __future__ import annotations

# Actions the matrix spells differently per resource: "write" on alerts means configuring rules.
ACTION_ALIASES = {
    ("alerts", "write"): "configure",
    ("alerts", "delete"): "configure",
    ("alerts", "change"): "configure",
}
SUPER_ADMIN = "super_admin"


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_unrestricted(user) -> bool:
    """super_admin and Django superusers see every site."""
    if not _active(user):
        return False
    return user.is_superuser or getattr(getattr(user, "role", None), "name", None) == SUPER_ADMIN


def can(user, resource: str, action: str) -> bool:
    if not _active(user):
        return False
    if is_unrestricted(user):
        return True
    action = ACTION_ALIASES.get((resource, action), action)
    role = getattr(user, "role", None)
    return bool(role and role.allows(resource, action))


def can_on_model(user, model, action: str) -> bool:
    from accounts.scoping import has_scope, scope_of

    return has_scope(model) and can(user, scope_of(model).resource, action)


def model_visible_to(user, model) -> bool:
    """False for cross-site aggregates (views without a site key) when the user is limited to
    some sites."""
    from accounts.scoping import has_scope, scope_of

    return has_scope(model) and (not scope_of(model).all_sites or is_unrestricted(user))


def site_ids_for(user) -> set | None:
    """Sites assigned to the user; None means all of them. Cached on the user object."""
    from accounts.models import UserSiteAssignment

    if is_unrestricted(user):
        return None
    cached = getattr(user, "_orin_site_ids", None)
    if cached is None:
        cached = set(UserSiteAssignment.objects.filter(user_id=user.pk).values_list("site_id", flat=True))
        user._orin_site_ids = cached
    return cached


def can_see_device_credentials(user, site_id) -> bool:
    """DVR/camera credentials and stream URLs: only for those who may configure that site's devices."""
    if not can(user, "cameras", "write"):
        return False
    sites = site_ids_for(user)
    return sites is None or site_id in sites

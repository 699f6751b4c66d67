"""The role matrix: the seed's default roles and the normalised permissions_matrix rows."""

from django.db import transaction

DEFAULT_ROLES: dict[str, tuple[str, dict[str, dict[str, bool]]]] = {
    "super_admin": (
        "Full platform access",
        {
            "cameras": {"read": True, "write": True, "delete": True},
            "events": {"read": True, "acknowledge": True, "delete": True},
            "persons": {"read": True, "write": True, "delete": True, "merge": True},
            "alerts": {"read": True, "configure": True},
            "sites": {"read": True, "write": True, "delete": True},
            "system": {"read": True, "configure": True},
            "training": {"read": True, "trigger": True, "approve": True},
            "users": {"read": True, "write": True, "delete": True},
            "audit": {"read": True},
            "media": {"read": True, "export": True, "delete": True},
            "incidents": {"read": True, "write": True, "assign": True, "close": True},
        },
    ),
    "admin": (
        "Administrative access",
        {
            "cameras": {"read": True, "write": True, "delete": False},
            "events": {"read": True, "acknowledge": True, "delete": False},
            "persons": {"read": True, "write": True, "delete": False, "merge": True},
            "alerts": {"read": True, "configure": True},
            "sites": {"read": True, "write": True, "delete": False},
            "system": {"read": True, "configure": False},
            "training": {"read": True, "trigger": True, "approve": False},
            "users": {"read": True, "write": True, "delete": False},
            "audit": {"read": True},
            "media": {"read": True, "export": True, "delete": False},
            "incidents": {"read": True, "write": True, "assign": True, "close": True},
        },
    ),
    "operator": (
        "Day-to-day operations",
        {
            "cameras": {"read": True, "write": False, "delete": False},
            "events": {"read": True, "acknowledge": True, "delete": False},
            "persons": {"read": True, "write": True, "delete": False, "merge": False},
            "alerts": {"read": True, "configure": False},
            "sites": {"read": True, "write": False, "delete": False},
            "system": {"read": False, "configure": False},
            "training": {"read": True, "trigger": False, "approve": False},
            "users": {"read": False, "write": False, "delete": False},
            "audit": {"read": False},
            "media": {"read": True, "export": True, "delete": False},
            "incidents": {"read": True, "write": True, "assign": True, "close": False},
        },
    ),
    "viewer": (
        "Read-only access",
        {
            "cameras": {"read": True, "write": False, "delete": False},
            "events": {"read": True, "acknowledge": False, "delete": False},
            "persons": {"read": True, "write": False, "delete": False, "merge": False},
            "alerts": {"read": True, "configure": False},
            "sites": {"read": True, "write": False, "delete": False},
            "system": {"read": False, "configure": False},
            "training": {"read": False, "trigger": False, "approve": False},
            "users": {"read": False, "write": False, "delete": False},
            "audit": {"read": False},
            "media": {"read": True, "export": False, "delete": False},
            "incidents": {"read": True, "write": False, "assign": False, "close": False},
        },
    ),
    # Edge detectors and integrations: read the site model, write detections and snapshots.
    "api_client": (
        "Edge devices and integrations (device API keys)",
        {
            "cameras": {"read": True, "write": False, "delete": False},
            "events": {
                "read": True,
                "write": True,
                "acknowledge": False,
                "delete": False,
            },
            "persons": {"read": True, "write": False, "delete": False, "merge": False},
            "alerts": {"read": True, "configure": False},
            "sites": {"read": True, "write": False, "delete": False},
            "system": {"read": False, "configure": False},
            "training": {"read": False, "trigger": False, "approve": False},
            "users": {"read": False, "write": False, "delete": False},
            "audit": {"read": False},
            "media": {"read": True, "export": False, "write": True, "delete": False},
            "incidents": {"read": False, "write": False, "assign": False, "close": False},
        },
    ),
}


def sync_permission_grants(role, grant_model=None) -> int:
    """Rewrite the role's permissions_matrix rows from its JSON matrix; returns the row count.

    `grant_model` lets the data migration pass its historical model.
    """
    if grant_model is None:
        from accounts.models import PermissionGrant as grant_model
    rows = [
        grant_model(role_id=role.pk, resource=resource, action=action, granted=bool(granted))
        for resource, actions in sorted((role.permissions or {}).items())
        for action, granted in sorted(actions.items())
    ]
    with transaction.atomic():
        grant_model.objects.filter(role_id=role.pk).delete()
        grant_model.objects.bulk_create(rows)
    return len(rows)


def ensure_role(name: str):
    """The named default role, (re)created from DEFAULT_ROLES if it is missing."""
    from accounts.models import Role

    role = Role.objects.filter(name=name).first()
    if role is None:
        description, permissions = DEFAULT_ROLES[name]
        role, created = Role.objects.get_or_create(
            name=name, defaults={"description": description, "permissions": permissions}
        )
        if created:
            sync_permission_grants(role)
    return role

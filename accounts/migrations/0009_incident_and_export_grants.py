"""New matrix entries: `incidents` (read/write/assign/close) and `media.export` (recording and
clip exports). Added to existing roles without touching what an administrator changed."""

from django.db import migrations


def add_grants(apps, schema_editor):
    from accounts.services.roles import DEFAULT_ROLES, sync_permission_grants

    role_model = apps.get_model("accounts", "Role")
    grant_model = apps.get_model("accounts", "PermissionGrant")
    for role in role_model.objects.all():
        defaults = DEFAULT_ROLES.get(role.name, (None, {}))[1]
        permissions = dict(role.permissions or {})
        changed = False
        for resource in ("incidents", "media"):
            current = dict(permissions.get(resource, {}))
            for action, granted in defaults.get(resource, {}).items():
                if action not in current:
                    current[action] = granted
                    changed = True
            permissions[resource] = current
        if changed:
            role.permissions = permissions
            role.save(update_fields=["permissions"])
            sync_permission_grants(role, grant_model)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_audit_secret_columns")]

    # Reversing keeps the entries: they grant nothing without code that asks for them.
    operations = [migrations.RunPython(add_grants, migrations.RunPython.noop)]

"""Seed 004's four default roles plus `api_client`, with their permissions_matrix rows."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from accounts.services.roles import DEFAULT_ROLES, sync_permission_grants

    role_model = apps.get_model("accounts", "Role")
    grant_model = apps.get_model("accounts", "PermissionGrant")
    for name, (description, permissions) in DEFAULT_ROLES.items():
        role, _ = role_model.objects.update_or_create(
            name=name, defaults={"description": description, "permissions": permissions}
        )
        sync_permission_grants(role, grant_model)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    # Reversing keeps the rows: users may still hold these roles, and re-applying updates them in place.
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]

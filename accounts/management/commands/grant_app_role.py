from django.core.management.base import BaseCommand, CommandError

from accounts.services.db_roles import RoleError, create_application_role, grant_application_role


class Command(BaseCommand):
    help = (
        "Grant a non-superuser database role the privileges the application needs (run as the "
        "owner after each migrate); the application then connects as that role so RLS applies."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="e.g. orin_app (create it first: CREATE ROLE orin_app LOGIN PASSWORD '…')")
        parser.add_argument("--show-sql", action="store_true")
        parser.add_argument(
            "--create", action="store_true", help="create the role first if it is missing (LOGIN, no password)"
        )

    def handle(self, *args, role: str, show_sql: bool, create: bool = False, **options):
        try:
            if create:
                create_application_role(role)
            statements = grant_application_role(role)
        except RoleError as exc:
            raise CommandError(str(exc)) from exc
        if show_sql:
            for statement in statements:
                self.stdout.write(statement + ";")
        self.stdout.write(self.style.SUCCESS(f"{role} may now run ORIN (RLS applies to it)"))

"""The database role the application runs as in production, so row-level security applies.

PostgreSQL skips RLS for superusers and BYPASSRLS roles, so production uses two roles:
- the owner (e.g. `orin_owner`): runs migrations and the partition maintenance worker (creating,
  attaching and dropping partitions needs ownership);
- the application role (e.g. `orin_app`, NOSUPERUSER NOBYPASSRLS): web, API, websockets and the
  recognition/notification workers. `grant_application_role` gives it what it needs and no more:
  DML on the parent tables only (never on individual partitions, whose rows would escape the
  parent's policies), and no UPDATE/DELETE/TRUNCATE on audit_logs.
"""

from __future__ import annotations

from django.db import connection
from psycopg import sql


class RoleError(ValueError):
    """The role is missing or would make row-level security moot."""


def create_application_role(role: str) -> bool:
    """Create `role` (LOGIN, not a superuser, no BYPASSRLS, no password: for servers that trust
    local connections, like the embedded one) unless it exists; returns whether it was created."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            return False
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS").format(sql.Identifier(role)))
        return True


def grant_application_role(role: str) -> list[str]:
    """Grant `role` the application's privileges on the current database; returns the SQL run."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            raise RoleError(f"role {role!r} does not exist: CREATE ROLE {role} LOGIN PASSWORD '…' first")
        if row[0] or row[1]:
            raise RoleError(f"role {role!r} is a superuser or has BYPASSRLS: row-level security would not apply")
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
            " AND c.relkind IN ('r', 'p') AND c.relispartition ORDER BY 1"
        )
        partitions = [name for (name,) in cursor.fetchall()]
        ident = sql.Identifier(role)
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(ident),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident),
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs FROM {}").format(ident),
            *[sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(p), ident) for p in partitions],
        ]
        for statement in statements:
            cursor.execute(statement)
        return [statement.as_string(cursor.connection) for statement in statements]

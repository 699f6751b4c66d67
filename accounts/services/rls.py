"""Bulk loading under row-level security.

PostgreSQL refuses `COPY … FROM` into a table whose RLS applies to the connected role ("COPY
FROM not supported with row-level security"). Where it applies (the production application
role), rows are COPYed into a session-private staging table and moved with one
`INSERT … SELECT`, which the policies check; elsewhere (the table owner, a superuser) the COPY
goes straight in. Either way the caller writes rows to the same psycopg Copy object.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from django.db import transaction
from psycopg import sql

from accounts.services import db_actor


def row_security_applies(cursor, table: str) -> bool:
    """Whether RLS filters `table` for this connection's role (cached per connection)."""
    connection = cursor.db
    cache = connection.__dict__.setdefault("_orin_rls_tables", {})
    if table not in cache:
        cursor.cursor.execute("SELECT row_security_active(%s::regclass)", [table])
        cache[table] = bool(cursor.cursor.fetchone()[0])
    return cache[table]


@contextlib.contextmanager
def copy_rows(cursor, table: str, columns: Sequence[str]) -> Iterator:
    """`with copy_rows(cursor, "events", COLUMNS) as copy: copy.write_row(...)` for a Django
    cursor; the current audit actor is applied first (COPY bypasses the execute wrappers)."""
    connection = cursor.db
    db_actor.sync_actor(connection, cursor.cursor)
    target = sql.Identifier(table)
    column_list = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    if not row_security_applies(cursor, table):
        with cursor.cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, column_list)) as copy:
            yield copy
        return
    staging = sql.Identifier(f"orin_staging_{table}")
    with transaction.atomic(using=connection.alias):
        cursor.cursor.execute(
            sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS").format(
                staging, target
            )
        )
        cursor.cursor.execute(sql.SQL("TRUNCATE {}").format(staging))
        with cursor.cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(staging, column_list)) as copy:
            yield copy
        cursor.cursor.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(target, column_list, column_list, staging)
        )

"""Keep each database session's `app.*` settings equal to the current audit actor.

The audit triggers and the row-level security policies read `app.current_user_id`,
`app.user_role`, `app.actor`, `app.client_ip` and `app.user_agent`. Django runs in autocommit
and reuses connections across requests, so the settings are synchronised lazily by an execute
wrapper installed on every connection: before a statement runs, if the actor differs from what
the session carries, one `set_config` round trip brings it in line. Requests that never touch
the database, and the many queries of one request, pay nothing.

Transactions need care because PostgreSQL undoes `set_config` on ROLLBACK (also to a savepoint):
- outside a transaction the value is set for the session (`is_local = false`);
- inside one it is set for that transaction (`is_local = true`), and a sentinel registered with
  `on_commit` tells us whether it still holds: Django drops the sentinel on rollback (and on a
  savepoint rollback, if it was registered inside that savepoint) and runs it on commit, which
  is exactly when a transaction-local value stops holding.
"""

from __future__ import annotations

from django.db.backends.signals import connection_created

from accounts.services.audit import AuditActor, current_actor

SETTINGS = ("app.current_user_id", "app.user_role", "app.actor", "app.client_ip", "app.user_agent")
SET_SQL = "SELECT " + ", ".join(f"set_config('{name}', %s, %s)" for name in SETTINGS)
NO_ACTOR: tuple = ("", "", "", "", "")

# Process-wide actor for code that runs outside any request/task/`audit_actor` block, such as a
# management command (set by accounts.apps from the command line). Web servers leave it unset.
_process_default: AuditActor | None = None


def set_process_default(actor: AuditActor | None) -> None:
    global _process_default
    _process_default = actor


def effective_actor() -> AuditActor | None:
    return current_actor() or _process_default


def _values(actor: AuditActor | None) -> tuple:
    if actor is None:
        return NO_ACTOR
    return (actor.user_id or "", actor.role or "", actor.name, actor.ip or "", actor.user_agent or "")


class _TransactionSentinel:
    """An on_commit callback whose presence in `run_on_commit` means "still in that transaction"."""

    __slots__ = ("values",)

    def __init__(self, values: tuple) -> None:
        self.values = values

    def __call__(self) -> None:  # committed: the transaction-local values are gone
        pass


def _applied(connection) -> tuple:
    sentinel = getattr(connection, "_orin_actor_sentinel", None)
    if (
        sentinel is not None
        and connection.in_atomic_block
        and any(entry[1] is sentinel for entry in connection.run_on_commit)
    ):
        return sentinel.values
    connection._orin_actor_sentinel = None
    return getattr(connection, "_orin_actor_session", NO_ACTOR)


def _apply(connection, raw_cursor, values: tuple) -> None:
    local = connection.in_atomic_block
    params: list = []
    for value in values:
        params += [value, local]
    raw_cursor.execute(SET_SQL, params)
    if local:
        sentinel = _TransactionSentinel(values)
        connection.run_on_commit.append((set(connection.savepoint_ids), sentinel, False))
        connection._orin_actor_sentinel = sentinel
    else:
        connection._orin_actor_session = values


def sync_actor(connection, raw_cursor=None) -> None:
    """Bring the session's settings in line with the current actor now. Call it before raw
    driver work that bypasses Django's cursor wrapper (e.g. `cursor.cursor.copy(...)`)."""
    values = _values(effective_actor())
    if values == _applied(connection):
        return
    if raw_cursor is None:
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            _apply(connection, cursor, values)
    else:
        _apply(connection, raw_cursor, values)


def reset_session(connection) -> None:
    """Clear the session-level settings so nothing carries over to whoever uses the connection
    next (called at the end of each web request)."""
    if connection.connection is None or connection.in_atomic_block:
        return
    if getattr(connection, "_orin_actor_session", NO_ACTOR) != NO_ACTOR:
        try:
            with connection.connection.cursor() as cursor:
                _apply(connection, cursor, NO_ACTOR)
        except connection.Database.Error:
            # The session died (a database restart): it carries nothing to anyone; drop it, the
            # next request connects afresh (connection_created clears the marker).
            connection.close()


_TRANSACTION_CONTROL = {"ROLLBACK ", "RELEASE S", "SAVEPOINT"}


def actor_execute_wrapper(execute, sql, params, many, context):
    connection = context["connection"]
    if isinstance(sql, str) and sql.lstrip()[:9].upper() in _TRANSACTION_CONTROL:
        # A savepoint rollback may run in an aborted transaction, where any SET would fail;
        # transaction control writes nothing, so it needs no actor.
        return execute(sql, params, many, context)
    values = _values(effective_actor())
    if values != _applied(connection):
        # The raw driver cursor, so this statement does not re-enter the wrappers.
        _apply(connection, context["cursor"].cursor, values)
    return execute(sql, params, many, context)


def install(sender, connection, **kwargs) -> None:
    """connection_created receiver: a new session starts with no settings."""
    connection._orin_actor_session = NO_ACTOR
    connection._orin_actor_sentinel = None
    ensure_installed(connection)


def ensure_installed(connection) -> None:
    # First in the list: `connection.execute_wrapper()` blocks pop the *last* wrapper on exit,
    # which would drop ours if the connection was opened inside one of them.
    if connection.vendor == "postgresql" and actor_execute_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, actor_execute_wrapper)


def connect_signals() -> None:
    connection_created.connect(install, dispatch_uid="orin-audit-actor")

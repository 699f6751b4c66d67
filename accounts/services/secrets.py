"""Key rotation for the encrypted columns (accounts.crypto.EncryptedTextField).

Rotation: put a new key first in ORIN_FIELD_ENCRYPTION_KEYS (keep the old ones after it), run
`manage.py rotate_secrets`, then drop the old keys. Works on the stored ciphertext directly, so
plaintext never passes through model instances, logs or the audit trail (the audit trigger sees
changed `*_encrypted` columns and redacts them). One UPDATE per row, so one audit row per row.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import connection, transaction
from psycopg import sql

from accounts import crypto

BATCH_SIZE = 500


@dataclasses.dataclass
class TableReport:
    table: str
    columns: list[str]
    rotated: int = 0
    undecryptable: list[str] = dataclasses.field(default_factory=list)


def encrypted_columns() -> dict[tuple[str, str], list[str]]:
    """{(table, primary-key column): [encrypted columns]} over every model with an EncryptedTextField."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, crypto.EncryptedTextField):
                found[(model._meta.db_table, model._meta.pk.column)].add(field.column)
    return {key: sorted(columns) for key, columns in sorted(found.items())}


def _rotate_row(fernet, tokens: tuple) -> tuple | None:
    """The re-encrypted tokens (None stays None), or None when one of them no key can decrypt."""
    try:
        return tuple(None if token is None else fernet.rotate(bytes(token)) for token in tokens)
    except InvalidToken:
        return None


def rotate_table(table: str, pk: str, columns: list[str], batch_size: int = BATCH_SIZE) -> TableReport:
    report = TableReport(table, columns)
    fernet = crypto.fernet()
    ident = sql.Identifier
    cols = sql.SQL(", ").join(ident(c) for c in columns)
    any_set = sql.SQL(" OR ").join(sql.SQL("{} IS NOT NULL").format(ident(c)) for c in columns)
    query = "SELECT {pk}, {cols} FROM {table} WHERE ({any_set}) {after} ORDER BY {pk} LIMIT %s"
    names = {"pk": ident(pk), "cols": cols, "table": ident(table), "any_set": any_set}
    first_batch = sql.SQL(query).format(**names, after=sql.SQL(""))
    next_batch = sql.SQL(query).format(**names, after=sql.SQL("AND {} > %s").format(ident(pk)))
    # Compare-and-swap: a row rewritten meanwhile keeps its newer value.
    update = sql.SQL("UPDATE {table} SET {assignments} WHERE {pk} = %s AND {unchanged}").format(
        table=ident(table),
        assignments=sql.SQL(", ").join(sql.SQL("{} = %s").format(ident(c)) for c in columns),
        pk=ident(pk),
        unchanged=sql.SQL(" AND ").join(sql.SQL("{} IS NOT DISTINCT FROM %s").format(ident(c)) for c in columns),
    )
    last = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last is None:
                cursor.execute(first_batch, [batch_size])
            else:
                cursor.execute(next_batch, [last, batch_size])
            rows = cursor.fetchall()
            for row_id, *tokens in rows:
                rotated = _rotate_row(fernet, tuple(tokens))
                if rotated is None:
                    report.undecryptable.append(str(row_id))
                    continue
                cursor.execute(update, [*rotated, row_id, *tokens])
                report.rotated += cursor.rowcount
        if len(rows) < batch_size:
            return report
        last = rows[-1][0]


def rotate_secrets(batch_size: int = BATCH_SIZE) -> list[TableReport]:
    """Re-encrypt every encrypted column with the first configured key."""
    return [rotate_table(table, pk, columns, batch_size) for (table, pk), columns in encrypted_columns().items()]

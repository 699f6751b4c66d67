"""Audit redaction, second pass: key names such as `private_key`/`psk`/`passphrase` (a site's VPN
config), and per-table secret columns whose names say nothing (a webhook's URL is a bearer
capability). `orin_audit_table` gains a fifth argument listing such columns; their values show
as "[redacted]" in created/deleted rows and in changes (which still say that they changed).
Faster too, for the alert/embedding hot paths: which columns need masking or a JSON/URL walk is
read from the catalog once per statement (so only those columns get per-value work), and
telemetry-only updates are discarded by one jsonb comparison before any per-field diff."""

import importlib

from django.db import migrations

# Keep in step with accounts.services.audit.SECRET_KEY_RE. `key` as a whole word of a snake_case
# name (key, api_key, key_hash, private_key), not inside one (monkey, keyboard).
REDACT_KEYS = (
    "password|passphrase|secret|token|api_?key|(^|_)key($|_)|private|psk|credential|encrypted|otp"
    "|recovery_code|authorization|cookie|session"
)
# A superset over a row's JSON text: rows without any of these skip the recursive walk.
REDACT_PREFILTER = (
    "password|passphrase|secret|token|key|private|psk|credential|encrypted|otp|recovery_code|authorization"
    "|cookie|session|://[^/@\\s]+@"
)

FORWARD = rf"""
CREATE OR REPLACE FUNCTION orin_audit_redact(value jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    result jsonb;
BEGIN
    IF value::text !~* '{REDACT_PREFILTER}' THEN
        RETURN value;
    END IF;
    CASE jsonb_typeof(value)
    WHEN 'object' THEN
        SELECT coalesce(jsonb_object_agg(
                   e.key,
                   CASE WHEN e.key ~* '{REDACT_KEYS}' AND e.val <> 'null'::jsonb
                        THEN '"[redacted]"'::jsonb
                        ELSE orin_audit_redact(e.val) END), '{{}}'::jsonb)
          INTO result FROM jsonb_each(value) AS e(key, val);
        RETURN result;
    WHEN 'array' THEN
        SELECT coalesce(jsonb_agg(orin_audit_redact(a.elem) ORDER BY a.ord), '[]'::jsonb)
          INTO result FROM jsonb_array_elements(value) WITH ORDINALITY AS a(elem, ord);
        RETURN result;
    WHEN 'string' THEN
        IF (value #>> '{{}}') ~ '://[^/@\s]+@' THEN
            RETURN to_jsonb(regexp_replace(value #>> '{{}}', '://[^/@\s]+@', '://[redacted]@', 'g'));
        END IF;
        RETURN value;
    ELSE
        RETURN value;
    END CASE;
END $$;

-- The named top-level keys of `value` (if present and not null) become "[redacted]".
CREATE OR REPLACE FUNCTION orin_audit_mask(value jsonb, columns text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value IS NULL OR cardinality(columns) = 0 THEN value
                ELSE value || coalesce((SELECT jsonb_object_agg(c, '"[redacted]"'::jsonb)
                                          FROM unnest(columns) AS c
                                         WHERE value ? c AND value -> c <> 'null'::jsonb), '{{}}')
           END $$;

-- What the audit keeps of a row (or of an update's changes, keyed by column the same way):
-- `masked` columns become "[redacted]"; `deep` ones (JSON documents, URLs) are walked by
-- orin_audit_redact; every other column is copied as is, with no per-value work.
CREATE OR REPLACE FUNCTION orin_audit_clean(value jsonb, masked text[], deep text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value IS NULL OR cardinality(deep) = 0 THEN orin_audit_mask(value, masked)
                ELSE orin_audit_mask(value, masked)
                     || coalesce((SELECT jsonb_object_agg(d, orin_audit_redact(value -> d))
                                    FROM unnest(deep) AS d
                                   WHERE value ? d AND NOT d = ANY (masked)), '{{}}')
           END $$;

CREATE OR REPLACE FUNCTION orin_audit_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    resource text := TG_ARGV[0];
    excluded text[] := coalesce(string_to_array(nullif(TG_ARGV[1], ''), ','), '{{}}');
    quiet text[] := coalesce(string_to_array(nullif(TG_ARGV[2], ''), ','), '{{}}');
    secret_columns text[] := coalesce(string_to_array(nullif(TG_ARGV[3], ''), ','), '{{}}');
    masked text[];
    deep text[];
    actor_id uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
    actor text := coalesce(nullif(current_setting('app.actor', true), ''), 'db:' || session_user);
    ip inet := nullif(current_setting('app.client_ip', true), '')::inet;
    agent text := nullif(current_setting('app.user_agent', true), '');
BEGIN
    -- Once per statement, from the catalog (so columns added later are covered): secret-named
    -- and explicitly secret columns are masked; JSON and URL columns are walked.
    SELECT coalesce(array_agg(a.attname::text) FILTER (WHERE a.attname ~* '{REDACT_KEYS}'
                                                        OR a.attname = ANY (secret_columns)), '{{}}'),
           coalesce(array_agg(a.attname::text) FILTER (WHERE a.atttypid IN ('json'::regtype, 'jsonb'::regtype)
                                                        OR a.attname ~* 'url|uri|dsn'), '{{}}')
      INTO masked, deep
      FROM pg_attribute a
     WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;

    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_logs (id, user_id, action, resource_type, resource_id, details, ip_address, user_agent, "timestamp")
        SELECT gen_random_uuid(), actor_id, resource || '_create', resource, (n.j ->> 'id')::uuid,
               jsonb_build_object('actor', actor, 'new', orin_audit_clean(n.j - excluded, masked, deep)),
               ip, agent, clock_timestamp()
          FROM (SELECT to_jsonb(r) AS j FROM new_rows r) n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_logs (id, user_id, action, resource_type, resource_id, details, ip_address, user_agent, "timestamp")
        SELECT gen_random_uuid(), actor_id, resource || '_update', resource, (n.j ->> 'id')::uuid,
               jsonb_build_object('actor', actor, 'changes', orin_audit_clean(c.changes, masked, deep)),
               ip, agent, clock_timestamp()
          FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o
          JOIN (SELECT to_jsonb(r) AS j FROM new_rows r) n
            -- cheap whole-row comparison first: telemetry-only updates (alert repeat counters,
            -- camera heartbeats) skip the per-field diff below
            ON n.j -> 'id' = o.j -> 'id'
           AND (n.j - excluded - quiet - 'updated_at') IS DISTINCT FROM (o.j - excluded - quiet - 'updated_at')
          CROSS JOIN LATERAL (
                SELECT jsonb_object_agg(e.key, jsonb_build_object('old', o.j -> e.key, 'new', e.value)) AS changes,
                       bool_and(e.key = ANY (quiet)) AS telemetry_only
                  FROM jsonb_each(n.j - excluded - 'updated_at') e
                 WHERE (o.j -> e.key) IS DISTINCT FROM e.value) c
         WHERE c.changes IS NOT NULL AND NOT c.telemetry_only;
    ELSE
        INSERT INTO audit_logs (id, user_id, action, resource_type, resource_id, details, ip_address, user_agent, "timestamp")
        SELECT gen_random_uuid(), actor_id, resource || '_delete', resource, (o.j ->> 'id')::uuid,
               jsonb_build_object('actor', actor, 'old', orin_audit_clean(o.j - excluded, masked, deep)),
               ip, agent, clock_timestamp()
          FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o;
    END IF;
    RETURN NULL;
END $$;

DROP FUNCTION IF EXISTS orin_audit_table(regclass, text, text, text);
CREATE OR REPLACE FUNCTION orin_audit_table(
    tbl regclass, resource text, excluded text DEFAULT '', quiet text DEFAULT '', secret_columns text DEFAULT ''
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    name text := (SELECT relname FROM pg_class WHERE oid = tbl);
BEGIN
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION orin_audit_changes(%L, %L, %L, %L)',
                   'trg_audit_' || name || '_insert', tbl, resource, excluded, quiet, secret_columns);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION orin_audit_changes(%L, %L, %L, %L)',
                   'trg_audit_' || name || '_update', tbl, resource, excluded, quiet, secret_columns);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION orin_audit_changes(%L, %L, %L, %L)',
                   'trg_audit_' || name || '_delete', tbl, resource, excluded, quiet, secret_columns);
END $$;

SELECT orin_audit_table('webhook_configs', 'webhook_config', '', '', 'url');
"""


def reverse_sql() -> str:
    previous = importlib.import_module("accounts.migrations.0006_audit_triggers_and_rls")
    return "\n".join(
        [
            "SELECT orin_audit_table('webhook_configs', 'webhook_config', '', '', '');",
            "DROP FUNCTION IF EXISTS orin_audit_table(regclass, text, text, text, text);",
            "DROP FUNCTION IF EXISTS orin_audit_clean(jsonb, text[], text[]);",
            "DROP FUNCTION IF EXISTS orin_audit_mask(jsonb, text[]);",
            previous.FUNCTIONS.split("CREATE TRIGGER trg_audit_logs_append_only")[0].split(
                "ALTER TABLE audit_logs DROP CONSTRAINT IF EXISTS audit_logs_user_id_fkey;"
            )[1],
            previous.AUDIT_TABLE_FUNCTION,
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_audit_notification_configs")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql())]

"""Audit triggers, an append-only audit_logs, and row-level security (seed 004 §15, §18).

Why triggers rather than an application service: every write path (admin, API, Celery task,
management command, QuerySet.update(), raw SQL, a shell session) goes through PostgreSQL, so
none can skip the trail. The actor comes from per-session settings kept in step with Django by
accounts.services.db_actor; a write with no actor set is still recorded, as "db:<role>".

Statement-level triggers with transition tables write one audit row per changed row in a single
INSERT … SELECT, so bulk writes (embeddings, alert storms, QuerySet.update) stay cheap.
"""

from django.db import migrations

# resource name, table, columns left out of details (large or biometric), columns whose change
# alone is telemetry rather than an administrative act (no audit row). `updated_at` never counts
# as a change: the audit row's own timestamp says when.
AUDITED = [
    ("person", "persons", "", "updated_at"),
    ("camera", "cameras", "", "updated_at,status,last_frame_time"),
    ("dvr", "dvrs", "", "updated_at,status,last_seen"),
    ("site", "sites", "", ""),
    ("user", "users", "", "updated_at,last_login"),
    ("role", "roles", "", ""),
    ("permission_grant", "permissions_matrix", "", ""),
    ("site_assignment", "user_site_assignments", "", ""),
    ("api_key", "api_keys", "", "last_used_at,last_used_ip"),
    ("alert", "alerts", "", "occurrences,first_seen,last_seen"),  # repeats folded into an open alert
    ("alert_rule", "alert_rules", "", "updated_at"),
    ("watchlist", "watchlists", "", ""),
    ("watchlist_entry", "watchlist_entries", "", ""),
    ("notification_channel", "notification_channels", "", ""),
    ("telegram_config", "telegram_configs", "", ""),
    ("whatsapp_config", "whatsapp_configs", "", ""),
    ("face_embedding", "face_embeddings", "embedding", ""),
]

# Site-scoped tables and their RLS policy; camera_id leads to the site (cameras → dvrs → sites).
SITE_SCOPED = ["events", "suspicious_activity_events", "alerts", "media_files", "video_clips"]

# Keep in step with accounts.services.audit.SECRET_KEY_RE (redefined by 0008).
REDACT_PATTERN = (
    "password|secret|token|api_key|apikey|key_hash|credential|encrypted|otp|recovery_code|authorization|cookie|session"
)

FUNCTIONS = rf"""
ALTER TABLE audit_logs DROP CONSTRAINT IF EXISTS audit_logs_user_id_fkey;

CREATE OR REPLACE FUNCTION orin_audit_redact(value jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    result jsonb;
BEGIN
    -- Fast path, taken by nearly every row: nothing in the text that could need redacting.
    IF value::text !~* '{REDACT_PATTERN}|://[^/@\s]+@' THEN
        RETURN value;
    END IF;
    CASE jsonb_typeof(value)
    WHEN 'object' THEN
        SELECT coalesce(jsonb_object_agg(
                   e.key,
                   CASE WHEN e.key ~* '{REDACT_PATTERN}' AND e.val <> 'null'::jsonb
                        THEN '"[redacted]"'::jsonb
                        ELSE orin_audit_redact(e.val) END), '{{}}'::jsonb)
          INTO result FROM jsonb_each(value) AS e(key, val);
        RETURN result;
    WHEN 'array' THEN
        SELECT coalesce(jsonb_agg(orin_audit_redact(a.elem) ORDER BY a.ord), '[]'::jsonb)
          INTO result FROM jsonb_array_elements(value) WITH ORDINALITY AS a(elem, ord);
        RETURN result;
    WHEN 'string' THEN
        -- credentials inside URLs (rtsp://user:pass@host/…)
        IF (value #>> '{{}}') ~ '://[^/@\s]+@' THEN
            RETURN to_jsonb(regexp_replace(value #>> '{{}}', '://[^/@\s]+@', '://[redacted]@', 'g'));
        END IF;
        RETURN value;
    ELSE
        RETURN value;
    END CASE;
END $$;

CREATE OR REPLACE FUNCTION orin_audit_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    resource text := TG_ARGV[0];
    excluded text[] := coalesce(string_to_array(nullif(TG_ARGV[1], ''), ','), '{{}}');
    quiet text[] := coalesce(string_to_array(nullif(TG_ARGV[2], ''), ','), '{{}}');
    actor_id uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
    actor text := coalesce(nullif(current_setting('app.actor', true), ''), 'db:' || session_user);
    ip inet := nullif(current_setting('app.client_ip', true), '')::inet;
    agent text := nullif(current_setting('app.user_agent', true), '');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_logs (id, user_id, action, resource_type, resource_id, details, ip_address, user_agent, "timestamp")
        SELECT gen_random_uuid(), actor_id, resource || '_create', resource, (n.j ->> 'id')::uuid,
               jsonb_build_object('actor', actor, 'new', orin_audit_redact(n.j - excluded)),
               ip, agent, clock_timestamp()
          FROM (SELECT to_jsonb(r) AS j FROM new_rows r) n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_logs (id, user_id, action, resource_type, resource_id, details, ip_address, user_agent, "timestamp")
        SELECT gen_random_uuid(), actor_id, resource || '_update', resource, (n.j ->> 'id')::uuid,
               jsonb_build_object('actor', actor, 'changes', orin_audit_redact(c.changes)),
               ip, agent, clock_timestamp()
          FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o
          JOIN (SELECT to_jsonb(r) AS j FROM new_rows r) n ON n.j -> 'id' = o.j -> 'id'
          CROSS JOIN LATERAL (
                SELECT jsonb_object_agg(e.key, jsonb_build_object('old', o.j -> e.key, 'new', e.value)) AS changes,
                       bool_and(e.key = ANY (quiet)) AS telemetry_only
                  FROM jsonb_each(n.j - excluded - 'updated_at') e
                 WHERE (o.j -> e.key) IS DISTINCT FROM e.value) c
         WHERE c.changes IS NOT NULL AND NOT c.telemetry_only;
    ELSE
        INSERT INTO audit_logs (id, user_id, action, resource_type, resource_id, details, ip_address, user_agent, "timestamp")
        SELECT gen_random_uuid(), actor_id, resource || '_delete', resource, (o.j ->> 'id')::uuid,
               jsonb_build_object('actor', actor, 'old', orin_audit_redact(o.j - excluded)),
               ip, agent, clock_timestamp()
          FROM (SELECT to_jsonb(r) AS j FROM old_rows r) o;
    END IF;
    RETURN NULL;
END $$;

-- Append-only. The one exception: the schema owner moving rows out of the default partition
-- into a new monthly one (surveillance.services.partitions.create_partition), which the
-- application role, not being the owner, can never do. Retention drops whole partitions.
CREATE OR REPLACE FUNCTION orin_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_logs_default'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'audit_logs'::regclass), 'MEMBER') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit rows leave only when partition retention drops their month';
END $$;

CREATE TRIGGER trg_audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION orin_audit_append_only();

-- Row-level security helpers. STABLE, and used as `(SELECT f())` in policies, so each runs
-- once per statement (an InitPlan), not once per row: the COPY ingest path pays ~nothing.
CREATE OR REPLACE FUNCTION orin_rls_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.current_user_id', true), '')::uuid $$;

-- All sites: a named service (Celery task, management command) or a super_admin/superuser.
-- The role is looked up here, not trusted from a setting; no actor at all means no rows.
CREATE OR REPLACE FUNCTION orin_rls_all_sites() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN orin_rls_user_id() IS NULL
                THEN coalesce(current_setting('app.user_role', true), '') = 'service'
                ELSE EXISTS (SELECT 1 FROM users u LEFT JOIN roles r ON r.id = u.role_id
                              WHERE u.id = orin_rls_user_id() AND u.is_active
                                AND (u.is_superuser OR r.name = 'super_admin'))
           END $$;

CREATE OR REPLACE FUNCTION orin_rls_camera_ids() RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(c.id), '{{}}')
      FROM cameras c
      JOIN dvrs d ON d.id = c.dvr_id
      JOIN user_site_assignments a ON a.site_id = d.site_id
     WHERE a.user_id = orin_rls_user_id() $$;

CREATE OR REPLACE FUNCTION orin_rls_audit_reader() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT orin_rls_all_sites() OR EXISTS (
        SELECT 1 FROM users u JOIN roles r ON r.id = u.role_id
         WHERE u.id = orin_rls_user_id() AND u.is_active AND r.name IN ('super_admin', 'admin')) $$;

ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_logs_read ON audit_logs FOR SELECT
    USING ((SELECT orin_rls_audit_reader()) OR user_id = (SELECT orin_rls_user_id()));
CREATE POLICY audit_logs_append ON audit_logs FOR INSERT WITH CHECK (true);
"""

SITE_POLICY = """
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY {table}_site_isolation ON {table} FOR ALL
    USING ((SELECT orin_rls_all_sites()) OR camera_id = ANY ((SELECT orin_rls_camera_ids())::uuid[]))
    WITH CHECK ((SELECT orin_rls_all_sites()) OR camera_id = ANY ((SELECT orin_rls_camera_ids())::uuid[]));
"""

# Tables added later get their triggers with `SELECT orin_audit_table('<table>', '<resource>')`
# in their own migration (and an entry in accounts.services.audit.AUDITED_MODELS).
AUDIT_TABLE_FUNCTION = """
CREATE OR REPLACE FUNCTION orin_audit_table(tbl regclass, resource text, excluded text DEFAULT '', quiet text DEFAULT '')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    name text := (SELECT relname FROM pg_class WHERE oid = tbl);
BEGIN
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION orin_audit_changes(%L, %L, %L)',
                   'trg_audit_' || name || '_insert', tbl, resource, excluded, quiet);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION orin_audit_changes(%L, %L, %L)',
                   'trg_audit_' || name || '_update', tbl, resource, excluded, quiet);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION orin_audit_changes(%L, %L, %L)',
                   'trg_audit_' || name || '_delete', tbl, resource, excluded, quiet);
END $$;
"""


def forward_sql() -> str:
    parts = [FUNCTIONS, AUDIT_TABLE_FUNCTION]
    parts += [SITE_POLICY.format(table=table) for table in SITE_SCOPED]
    parts += [
        f"SELECT orin_audit_table('{table}', '{resource}', '{excluded}', '{quiet}');"
        for resource, table, excluded, quiet in AUDITED
    ]
    return "\n".join(parts)


def reverse_sql() -> str:
    parts = []
    for _, table, _, _ in AUDITED:
        parts += [f"DROP TRIGGER IF EXISTS trg_audit_{table}_{op} ON {table};" for op in ("insert", "update", "delete")]
    for table in SITE_SCOPED:
        parts.append(f"DROP POLICY IF EXISTS {table}_site_isolation ON {table};")
        parts.append(
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
        )
    parts.append(
        """
DROP POLICY IF EXISTS audit_logs_read ON audit_logs;
DROP POLICY IF EXISTS audit_logs_append ON audit_logs;
ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_logs DISABLE ROW LEVEL SECURITY;
DROP TRIGGER IF EXISTS trg_audit_logs_append_only ON audit_logs;
DROP FUNCTION IF EXISTS orin_rls_audit_reader();
DROP FUNCTION IF EXISTS orin_rls_camera_ids();
DROP FUNCTION IF EXISTS orin_rls_all_sites();
DROP FUNCTION IF EXISTS orin_rls_user_id();
DROP FUNCTION IF EXISTS orin_audit_table(regclass, text, text, text);
DROP FUNCTION IF EXISTS orin_audit_append_only();
DROP FUNCTION IF EXISTS orin_audit_changes();
DROP FUNCTION IF EXISTS orin_audit_redact(jsonb);
"""
    )
    return "\n".join(parts)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_mfa_devices"),
        ("surveillance", "0002_partitions_views_triggers"),
        ("alerts", "0002_initial"),
        ("faces", "0002_initial"),
    ]

    operations = [migrations.RunSQL(forward_sql(), reverse_sql())]

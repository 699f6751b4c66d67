"""Monthly partitions for the current and next three months, the seed's five views, and the
`updated_at` triggers (seed 004 §14-15). Later months come from the daily maintenance task."""

from django.db import migrations

UPDATED_AT_TABLES = ["users", "dvrs", "cameras", "persons", "alert_rules"]

VIEWS_SQL = """
CREATE OR REPLACE VIEW vw_dashboard_stats AS
WITH
    camera_stats AS (
        SELECT
            COUNT(*) AS total_cameras,
            COUNT(*) FILTER (WHERE status = 'online') AS online_cameras,
            COUNT(*) FILTER (WHERE status = 'offline') AS offline_cameras
        FROM cameras
        WHERE is_active = TRUE
    ),
    event_stats_today AS (
        SELECT
            COUNT(*) AS events_today,
            COUNT(*) FILTER (WHERE event_type = 'person_recognized') AS recognized_today,
            COUNT(*) FILTER (WHERE event_type = 'face_detected') AS faces_today,
            COUNT(*) FILTER (WHERE event_type = 'human_detected') AS humans_today,
            COUNT(*) FILTER (WHERE reviewed = FALSE) AS unreviewed_events
        FROM events
        WHERE timestamp >= DATE_TRUNC('day', NOW())
    ),
    alert_stats AS (
        SELECT
            COUNT(*) FILTER (WHERE status = 'pending') AS pending_alerts,
            COUNT(*) FILTER (WHERE status = 'acknowledged') AS acknowledged_alerts,
            COUNT(*) FILTER (WHERE severity = 'critical' AND status IN ('pending', 'sent')) AS critical_alerts
        FROM alerts
        WHERE created_at >= DATE_TRUNC('day', NOW())
    ),
    person_stats AS (
        SELECT
            COUNT(*) AS total_persons,
            COUNT(*) FILTER (WHERE status = 'known') AS known_persons,
            COUNT(*) FILTER (WHERE status = 'unknown') AS unknown_persons,
            COUNT(*) FILTER (WHERE status = 'blacklisted') AS blacklisted_persons,
            COUNT(*) FILTER (WHERE status = 'vip') AS vip_persons
        FROM persons
    ),
    suspicious_stats AS (
        SELECT
            COUNT(*) AS suspicious_today,
            COUNT(*) FILTER (WHERE severity = 'critical') AS critical_suspicious
        FROM suspicious_activity_events
        WHERE timestamp >= DATE_TRUNC('day', NOW())
    )
SELECT
    cs.total_cameras,
    cs.online_cameras,
    cs.offline_cameras,
    ROUND(100.0 * cs.online_cameras / NULLIF(cs.total_cameras, 0), 1) AS camera_uptime_pct,
    es.events_today,
    es.recognized_today,
    es.faces_today,
    es.humans_today,
    es.unreviewed_events,
    als.pending_alerts,
    als.acknowledged_alerts,
    als.critical_alerts,
    ps.total_persons,
    ps.known_persons,
    ps.unknown_persons,
    ps.blacklisted_persons,
    ps.vip_persons,
    ss.suspicious_today,
    ss.critical_suspicious
FROM camera_stats cs
CROSS JOIN event_stats_today es
CROSS JOIN alert_stats als
CROSS JOIN person_stats ps
CROSS JOIN suspicious_stats ss;

COMMENT ON VIEW vw_dashboard_stats IS 'Real-time dashboard statistics snapshot';
CREATE OR REPLACE VIEW vw_recent_events AS
SELECT
    e.id AS event_id,
    e.event_type,
    e.confidence,
    e.bounding_box,
    e.image_path,
    e.timestamp AS event_timestamp,
    e.reviewed,
    e.review_action,
    e.metadata,
    c.id AS camera_id,
    c.name AS camera_name,
    c.location AS camera_location,
    c.resolution,
    d.name AS dvr_name,
    s.name AS site_name,
    p.id AS person_id,
    p.name AS person_name,
    p.status AS person_status,
    p.role AS person_role,
    cl.cluster_label AS cluster_label
FROM events e
LEFT JOIN cameras c ON e.camera_id = c.id
LEFT JOIN dvrs d ON c.dvr_id = d.id
LEFT JOIN sites s ON d.site_id = s.id
LEFT JOIN persons p ON e.person_id = p.id
LEFT JOIN person_clusters cl ON e.cluster_id = cl.id
WHERE e.timestamp >= NOW() - INTERVAL '24 hours'
ORDER BY e.timestamp DESC;

COMMENT ON VIEW vw_recent_events IS 'Last 24 hours of events with camera, site, and person details';
CREATE OR REPLACE VIEW vw_active_alerts AS
SELECT
    a.id AS alert_id,
    a.alert_type,
    a.severity,
    a.message,
    a.status,
    a.created_at,
    a.sent_at,
    a.acknowledged_at,
    a.resolved_at,
    ack.username AS acknowledged_by_user,
    res.username AS resolved_by_user,
    c.name AS camera_name,
    c.location AS camera_location,
    s.name AS site_name,
    p.name AS person_name,
    p.status AS person_status,
    ar.name AS rule_name,
    ar.confidence_threshold AS rule_threshold
FROM alerts a
LEFT JOIN cameras c ON a.camera_id = c.id
LEFT JOIN dvrs d ON c.dvr_id = d.id
LEFT JOIN sites s ON d.site_id = s.id
LEFT JOIN persons p ON a.person_id = p.id
LEFT JOIN alert_rules ar ON a.alert_rule_id = ar.id
LEFT JOIN users ack ON a.acknowledged_by = ack.id
LEFT JOIN users res ON a.resolved_by = res.id
WHERE a.status IN ('pending', 'sent', 'acknowledged')
ORDER BY
    CASE a.severity
        WHEN 'critical' THEN 1
        WHEN 'high' THEN 2
        WHEN 'medium' THEN 3
        WHEN 'low' THEN 4
    END,
    a.created_at DESC;

COMMENT ON VIEW vw_active_alerts IS 'All non-resolved alerts with full context for operators';
CREATE OR REPLACE VIEW vw_person_recognition_summary AS
SELECT
    p.id AS person_id,
    p.name,
    p.status,
    p.role,
    p.company,
    COUNT(e.id) AS total_detections,
    COUNT(e.id) FILTER (WHERE e.timestamp >= NOW() - INTERVAL '7 days') AS detections_last_7d,
    COUNT(e.id) FILTER (WHERE e.timestamp >= NOW() - INTERVAL '24 hours') AS detections_last_24h,
    ROUND(AVG(e.confidence)::NUMERIC, 3) AS avg_confidence,
    MIN(e.timestamp) AS first_seen,
    MAX(e.timestamp) AS last_seen,
    COUNT(DISTINCT e.camera_id) AS cameras_seen_on,
    ARRAY_AGG(DISTINCT l.label) FILTER (WHERE l.label IS NOT NULL) AS labels,
    fe.embedding IS NOT NULL AS has_embedding
FROM persons p
LEFT JOIN events e ON p.id = e.person_id AND e.event_type = 'person_recognized'
LEFT JOIN person_labels l ON p.id = l.person_id
LEFT JOIN face_embeddings fe ON p.id = fe.person_id AND fe.is_primary = TRUE
GROUP BY p.id, p.name, p.status, p.role, p.company, fe.embedding
ORDER BY last_seen DESC NULLS LAST;

COMMENT ON VIEW vw_person_recognition_summary IS 'Recognition statistics per person for review and reporting';
CREATE OR REPLACE VIEW vw_unknown_clusters_for_review AS
SELECT
    pc.id AS cluster_id,
    pc.cluster_label,
    pc.sample_count,
    pc.first_seen,
    pc.last_seen,
    EXTRACT(EPOCH FROM (pc.last_seen - pc.first_seen)) / 3600 AS span_hours,
    pc.status,
    fe.source_image_path AS representative_face,
    fe.face_quality AS representative_quality,
    COUNT(e.id) AS total_events,
    ARRAY_AGG(DISTINCT c.name) FILTER (WHERE c.name IS NOT NULL) AS seen_on_cameras,
    ARRAY_AGG(DISTINCT s.name) FILTER (WHERE s.name IS NOT NULL) AS seen_at_sites
FROM person_clusters pc
LEFT JOIN face_embeddings fe ON pc.representative_embedding_id = fe.id
LEFT JOIN events e ON pc.id = e.cluster_id
LEFT JOIN cameras c ON e.camera_id = c.id
LEFT JOIN dvrs d ON c.dvr_id = d.id
LEFT JOIN sites s ON d.site_id = s.id
WHERE pc.status = 'active'
GROUP BY pc.id, pc.cluster_label, pc.sample_count, pc.first_seen, pc.last_seen,
         pc.status, fe.source_image_path, fe.face_quality
ORDER BY pc.sample_count DESC, pc.last_seen DESC;

COMMENT ON VIEW vw_unknown_clusters_for_review IS 'Unknown person clusters pending operator identification';
"""

VIEW_NAMES = [
    "vw_unknown_clusters_for_review",
    "vw_person_recognition_summary",
    "vw_active_alerts",
    "vw_recent_events",
    "vw_dashboard_stats",
]

TRIGGER_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION fn_update_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = clock_timestamp();  -- not NOW(): several updates in one transaction stay ordered
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def create_partitions(apps, schema_editor):
    from surveillance.services.partitions import ensure_future_partitions

    ensure_future_partitions(months_ahead=3)


class Migration(migrations.Migration):
    dependencies = [
        ("surveillance", "0001_initial"),
        ("accounts", "0002_initial"),
        ("faces", "0002_initial"),
        ("alerts", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(create_partitions, migrations.RunPython.noop),
        migrations.RunSQL(VIEWS_SQL, "".join(f"DROP VIEW IF EXISTS {name};" for name in VIEW_NAMES)),
        migrations.RunSQL(
            TRIGGER_FUNCTION_SQL
            + "".join(
                f"CREATE TRIGGER trg_{t}_updated_at BEFORE UPDATE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION fn_update_updated_at();"
                for t in UPDATED_AT_TABLES
            ),
            "".join(f"DROP TRIGGER IF EXISTS trg_{t}_updated_at ON {t};" for t in UPDATED_AT_TABLES)
            + "DROP FUNCTION IF EXISTS fn_update_updated_at();",
        ),
    ]

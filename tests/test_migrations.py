"""Migrations build the schema on an empty database and `migrate <app> zero` takes it down again."""

import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_database(django_db_blocker):
    with django_db_blocker.unblock():
        settings = connection.settings_dict
    name = f"orin_migtest_{uuid.uuid4().hex[:8]}"
    admin_dsn = f"host={settings['HOST']} port={settings['PORT']} user={settings['USER']} dbname=postgres"
    if settings.get("PASSWORD"):
        admin_dsn += f" password={settings['PASSWORD']}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings.get("PASSWORD") else "")
    yield f"postgres://{auth}@{settings['HOST']}:{settings['PORT']}/{name}", admin_dsn, name
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(database_url: str, *args: str) -> str:
    import os

    proc = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def tables(database_url: str) -> set[str]:
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v')"
        ).fetchall()
    return {r[0] for r in rows}


SEED_TABLES = {
    "roles",
    "users",
    "permissions_matrix",
    "sites",
    "dvrs",
    "cameras",
    "camera_zones",
    "persons",
    "person_aliases",
    "person_labels",
    "face_embeddings",
    "person_clusters",
    "events",
    "suspicious_activity_events",
    "alert_rules",
    "alerts",
    "watchlists",
    "watchlist_entries",
    "notification_channels",
    "telegram_configs",
    "whatsapp_configs",
    "media_files",
    "video_clips",
    "training_datasets",
    "training_jobs",
    "model_versions",
    "review_actions",
    "audit_logs",
    "system_health_logs",
    "device_connectivity_logs",
    "user_site_assignments",
}
SEED_VIEWS = {
    "vw_dashboard_stats",
    "vw_recent_events",
    "vw_active_alerts",
    "vw_person_recognition_summary",
    "vw_unknown_clusters_for_review",
}


def test_migrate_on_empty_database_then_reverse_every_app(empty_database):
    url, _, _ = empty_database
    manage(url, "migrate", "--noinput")
    created = tables(url)
    assert len(SEED_TABLES) == 31
    assert created >= SEED_TABLES, SEED_TABLES - created
    assert created >= SEED_VIEWS
    for app in ["alerts", "faces", "surveillance", "accounts"]:
        manage(url, "migrate", app, "zero", "--noinput")
    left = tables(url) & (SEED_TABLES | SEED_VIEWS)
    assert not left, left
    manage(url, "migrate", "--noinput")  # and forwards again, cleanly
    assert tables(url) >= SEED_TABLES

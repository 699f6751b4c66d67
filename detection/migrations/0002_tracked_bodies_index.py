from django.db import migrations


class Migration(migrations.Migration):
    """Faces join the person track around them (detection.services.face_tracks): it looks up the
    camera's tracked person boxes around each face. Only those rows are indexed, so the lookup
    costs nothing on cameras without tracks and the index little on insert."""

    dependencies = [("detection", "0001_guards")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS idx_events_tracked_bodies ON events (camera_id, timestamp) "
            "WHERE event_type = 'human_detected' AND metadata ? 'track_id'",
            "DROP INDEX IF EXISTS idx_events_tracked_bodies",
        )
    ]

from django.db import migrations


class Migration(migrations.Migration):
    """Who may see an unknown cluster is decided by where it was sighted (PersonCluster's access
    rule: an event of the cluster at one of the viewer's cameras). With (cluster, timestamp) alone
    that probe read every event of a cluster seen only elsewhere: the review queue of a
    site-scoped reviewer took ~1 s at 10M events (bench/console.py), 0.1 s with this index."""

    dependencies = [("faces", "0006_merge_halfvec_and_model_versions"), ("surveillance", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS idx_events_cluster_camera ON events (cluster_id, camera_id) "
            "WHERE cluster_id IS NOT NULL",
            "DROP INDEX IF EXISTS idx_events_cluster_camera",
        )
    ]

"""Camera stream URLs encrypted at rest (Fernet, like DVR passwords): the column `rtsp_url`
(plain text) becomes `rtsp_url_encrypted` (bytea). Reversible: going back decrypts them."""

from django.db import migrations

import accounts.crypto


def encrypt_urls(apps, schema_editor):
    Camera = apps.get_model("surveillance", "Camera")
    for camera in Camera.objects.exclude(rtsp_url_plain__isnull=True).exclude(rtsp_url_plain="").iterator():
        camera.rtsp_url = camera.rtsp_url_plain
        camera.save(update_fields=["rtsp_url"])


def decrypt_urls(apps, schema_editor):
    Camera = apps.get_model("surveillance", "Camera")
    for camera in Camera.objects.exclude(rtsp_url__isnull=True).iterator():
        camera.rtsp_url_plain = camera.rtsp_url
        camera.save(update_fields=["rtsp_url_plain"])


class Migration(migrations.Migration):
    dependencies = [("surveillance", "0004_beat_schedule")]

    operations = [
        migrations.RenameField("camera", "rtsp_url", "rtsp_url_plain"),
        migrations.AddField(
            model_name="camera",
            name="rtsp_url",
            field=accounts.crypto.EncryptedTextField(
                blank=True,
                db_column="rtsp_url_encrypted",
                editable=True,
                help_text="RTSP/HTTP URL or a video file path",
                null=True,
            ),
        ),
        migrations.RunPython(encrypt_urls, decrypt_urls),
        migrations.RemoveField("camera", "rtsp_url_plain"),
    ]

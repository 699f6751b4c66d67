from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from accounts.services.audit import audit_actor
from accounts.services.secrets import rotate_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column (DVR credentials, bot tokens, API keys, webhook and MFA "
        "secrets) with the first key of ORIN_FIELD_ENCRYPTION_KEYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            with audit_actor("service:manage:rotate_secrets"):
                reports = rotate_secrets(batch_size)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        failed = 0
        for report in reports:
            self.stdout.write(f"{report.table} ({', '.join(report.columns)}): {report.rotated} row(s) re-encrypted")
            if report.undecryptable:
                failed += len(report.undecryptable)
                ids = ", ".join(report.undecryptable[:10])
                self.stderr.write(f"{report.table}: {len(report.undecryptable)} row(s) no key can decrypt: {ids}")
        if failed:
            raise CommandError(
                f"{failed} value(s) could not be decrypted with any configured key; they were left as they are"
            )
        total = sum(report.rotated for report in reports)
        self.stdout.write(self.style.SUCCESS(f"{total} row(s) re-encrypted with the first key"))

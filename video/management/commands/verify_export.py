from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Check an ORIN export package (.zip) against its signed manifest. Exit 1 when it does not verify."

    def add_arguments(self, parser):
        parser.add_argument("package", help="path of the export's .zip")

    def handle(self, *args, package: str, **options):
        from video.services.exports import verify_package

        try:
            data = Path(package).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {package}: {exc}") from exc
        result = verify_package(data)
        for note in result.notes:
            self.stderr.write(f"NOTE: {note}")
        if result.ok:
            site = (result.manifest.get("site") or {}).get("name")
            self.stdout.write(f"OK: signed by the key of site {site}; every file matches its SHA-256")
            return
        for problem in result.problems:
            self.stderr.write(f"FAIL: {problem}")
        raise CommandError("the package does not verify", returncode=1)

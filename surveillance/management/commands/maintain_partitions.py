from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from surveillance.services import partitions


class Command(BaseCommand):
    help = (
        "Create monthly partitions ahead and move rows stranded in default partitions into their own months. "
        "With --retire, also archive (where configured) and drop months past their retention: the daily task's run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=settings.ORIN_PARTITION_MONTHS_AHEAD)
        parser.add_argument(
            "--retire", action="store_true", help="also archive and drop expired months (as the daily task does)"
        )

    def handle(self, *args, months_ahead: int, retire: bool, **options):
        if months_ahead < 0:
            raise CommandError("--months-ahead must be >= 0")
        if retire:
            report = partitions.run_partition_maintenance(months_ahead=months_ahead)
            if report.skipped:
                raise CommandError("another partition maintenance run holds the lock; try again later")
            for label, names in (("created", report.created), ("rehomed", report.rehomed), ("dropped", report.dropped)):
                for name in names:
                    self.stdout.write(f"{label} {name}")
            for path in report.archived:
                self.stdout.write(f"archived to {path}")
            for error in report.errors:
                self.stderr.write(f"error: {error}")
            if report.errors:
                raise CommandError(f"{len(report.errors)} partition(s) could not be retired (see above)")
            self.stdout.write(self.style.SUCCESS(f"{len(report.dropped)} expired partition(s) retired"))
            return
        created = partitions.ensure_future_partitions(months_ahead)
        for table in partitions.PARTITIONED_TABLES:
            created += partitions.rehome_default_rows(table)
        for name in created:
            self.stdout.write(f"created {name}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} partition(s) created"))
        try:
            expired = [p.name for table in partitions.PARTITIONED_TABLES for p in partitions.expired_partitions(table)]
        except partitions.PartitionError as exc:
            raise CommandError(str(exc)) from exc
        if expired:
            self.stdout.write(f"past retention (dropped by --retire or the daily task): {', '.join(expired)}")

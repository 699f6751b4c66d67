from django.conf import settings
from django.core.management.base import BaseCommand

from surveillance.services import partitions


class Command(BaseCommand):
    help = "Create monthly partitions ahead and move rows stranded in default partitions into their own months."

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=settings.ORIN_PARTITION_MONTHS_AHEAD)

    def handle(self, *args, months_ahead: int, **options):
        created = partitions.ensure_future_partitions(months_ahead)
        for table in partitions.PARTITIONED_TABLES:
            created += partitions.rehome_default_rows(table)
        for name in created:
            self.stdout.write(f"created {name}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} partition(s) created"))

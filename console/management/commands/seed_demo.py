from django.core.management.base import BaseCommand
from tqdm import tqdm

from console.services import demo


class Command(BaseCommand):
    help = "Create (idempotently) the demo sites, cameras, people, users, rules and ~50,000 events."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=50_000, help="total demo events to have (default 50,000)")
        parser.add_argument("--days", type=int, default=90, help="spread events over this many days (default 90)")

    def handle(self, *args, events: int, days: int, **options):
        if events < 0 or days < 1:
            self.stderr.write("--events must be >= 0 and --days >= 1")
            raise SystemExit(2)
        context = demo.seed_configuration()
        self.stdout.write(f"configuration ready: {len(context['cameras'])} cameras, {len(context['persons'])} persons")
        with tqdm(total=events, desc="demo events", unit="ev", disable=None) as bar:
            bar.update(events - min(events, self._existing()))
            added = demo.seed_events(context, events, days, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"{added} event(s) added; demo logins:"))
        self.stdout.write(demo.write_demo_logins())

    def _existing(self) -> int:
        from surveillance.models import Event

        return Event.objects.filter(metadata__source=demo.DEMO_SOURCE).count()

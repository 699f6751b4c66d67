from django.core.management.base import BaseCommand, CommandError

from console.services.doctor import FAIL, OK, run_checks


class Command(BaseCommand):
    help = "Check the installation (database, partitions, HNSW, Redis, workers, models, storage) and print a table."

    def handle(self, *args, **options):
        results = run_checks()
        width = max(len(r.name) for r in results)
        style = {OK: self.style.SUCCESS, FAIL: self.style.ERROR}
        for r in results:
            colour = style.get(r.status, self.style.WARNING)
            self.stdout.write(f"{r.name:<{width}}  {colour(f'{r.status:<4}')}  {r.detail}")
            if r.hint and r.status != OK:
                self.stdout.write(f"{'':<{width}}        fix: {r.hint}")
        failed = [r.name for r in results if r.status == FAIL]
        if failed:
            raise CommandError(f"{len(failed)} check(s) failed: {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS("all checks passed"))

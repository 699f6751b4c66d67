from django.core.management.base import BaseCommand

from faces.services.search import prewarm


class Command(BaseCommand):
    help = "Load the face-search HNSW graphs into PostgreSQL's shared buffers (pg_prewarm), e.g. after a restart."

    def handle(self, *args, **options) -> None:
        for index, blocks in prewarm().items():
            self.stdout.write(f"{index}: {blocks} blocks ({blocks * 8 // 1024} MiB)")

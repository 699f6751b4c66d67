import signal
import uuid

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Record every active camera whose config has recording on, continuously, into short segments "
        "indexed in `recordings`. Runs until stopped (Ctrl-C / SIGTERM)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", action="append", default=[], metavar="ID", help="only this camera (repeatable)")
        parser.add_argument("--shard", default="1/1", help="K/N: record only the K-th of N shards of the cameras")
        parser.add_argument(
            "--duration", type=float, default=0, help="stop after this many seconds (0: run until stopped)"
        )
        parser.add_argument("--refresh", type=float, default=30, help="seconds between camera list refreshes")

    def handle(self, *args, camera: list[str], shard: str, duration: float, refresh: float, **options):
        from video.services.recorder import RecorderManager, recording_cameras

        try:
            camera_ids = [uuid.UUID(value) for value in camera]
        except ValueError as exc:
            raise CommandError(f"--camera takes camera ids (UUIDs): {exc}") from exc
        try:
            index, count = (int(part) for part in shard.split("/"))
            if not 1 <= index <= count:
                raise ValueError
        except ValueError as exc:
            raise CommandError(f"--shard {shard!r}: write K/N with 1 <= K <= N") from exc
        if duration < 0 or refresh <= 0:
            raise CommandError("--duration must be >= 0 and --refresh > 0")
        manager = RecorderManager(camera_ids or None, shard=(index - 1, count), refresh_seconds=refresh)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: manager.stop_event.set())
        cameras = recording_cameras(camera_ids or None, (index - 1, count))
        self.stdout.write(
            f"recording {len(cameras)} camera(s) (shard {shard}); the list is refreshed every {refresh:g} s"
        )
        manager.run(duration=duration or None)
        self.stdout.write("recorder stopped")

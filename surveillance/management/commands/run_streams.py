import signal
import uuid

from django.core.management.base import BaseCommand, CommandError

from surveillance.models import Camera


class Command(BaseCommand):
    help = (
        "Read every active camera that has a stream URL (RTSP, HTTP or a video file) and send sampled "
        "frames to recognition. Runs until stopped (Ctrl-C / SIGTERM)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", action="append", default=[], metavar="ID", help="only this camera (repeatable)")
        parser.add_argument(
            "--duration", type=float, default=0, help="stop after this many seconds (0: run until stopped)"
        )
        parser.add_argument("--refresh", type=float, default=30, help="seconds between camera list refreshes")
        parser.add_argument(
            "--health-interval", type=float, default=60, help="seconds between stream_manager health rows"
        )

    def handle(self, *args, camera: list[str], duration: float, refresh: float, health_interval: float, **options):
        from surveillance.services.streams import StreamManager, streamed_cameras

        if duration < 0 or refresh <= 0 or health_interval <= 0:
            raise CommandError("--duration must be >= 0, --refresh and --health-interval > 0")
        camera_ids = []
        for value in camera:
            try:
                camera_ids.append(uuid.UUID(value))
            except ValueError as exc:
                raise CommandError(f"--camera {value!r} is not a camera id (UUID)") from exc
        missing = set(camera_ids) - set(Camera.objects.filter(id__in=camera_ids).values_list("id", flat=True))
        if missing:
            raise CommandError(f"no camera with id {', '.join(sorted(map(str, missing)))}")

        manager = StreamManager(camera_ids or None, refresh_seconds=refresh, health_seconds=health_interval)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: manager.stop_event.set())
        cameras = streamed_cameras(camera_ids or None)
        self.stdout.write(f"reading {len(cameras)} camera(s); the list is refreshed every {refresh:g} s")
        manager.run(duration=duration or None)
        self.stdout.write("stream reader stopped")

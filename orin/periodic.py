"""One registry of periodic tasks. Each app marks its beat tasks where they are defined:

    @periodic("Camera health", every=60, description="Every minute: ...")
    @shared_task
    def check_camera_health(): ...

After every `migrate`, `sync_periodic_tasks` installs the registered entries that are missing from
django-celery-beat's database schedule (editable in the admin). Entries are matched by name and
never overwritten, so an administrator's edits stay; one deleted by hand comes back on the next
migrate, which is how a schedule is restored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    task: str
    description: str
    every: int | None = None  # seconds
    crontab: tuple[str, str] | None = None  # (minute, hour), UTC
    expires: int | None = None  # seconds; a run older than this is skipped, not piled up
    queue: str | None = None


PERIODIC: dict[str, PeriodicSpec] = {}


def periodic(
    name: str,
    *,
    description: str,
    every: int | None = None,
    crontab: tuple[str, str] | None = None,
    expires: int | None = None,
    queue: str | None = None,
) -> Callable:
    """Mark a Celery task (the decorator goes above @shared_task) as run by beat."""
    if (every is None) == (crontab is None):
        raise ValueError(f"periodic task {name!r} needs exactly one of every= or crontab=")

    def register(task):
        PERIODIC[name] = PeriodicSpec(
            name=name,
            task=task.name,
            description=description,
            every=every,
            crontab=crontab,
            expires=expires if expires is not None else (every or 6 * 3600),
            queue=queue,
        )
        return task

    return register


def registered() -> dict[str, PeriodicSpec]:
    autodiscover_modules("tasks")  # every app's tasks.py, where the @periodic marks are
    return dict(PERIODIC)


def sync_periodic_tasks() -> list[str]:
    """Install the registered entries missing from the database schedule; returns their names."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

    created = []
    for spec in registered().values():
        if PeriodicTask.objects.filter(name=spec.name).exists():
            continue
        fields = {"task": spec.task, "expire_seconds": spec.expires, "description": spec.description}
        if spec.queue:
            fields["queue"] = spec.queue
        if spec.crontab:
            minute, hour = spec.crontab
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
            )
        else:
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(every=spec.every, period="seconds")
        PeriodicTask.objects.create(name=spec.name, enabled=True, **fields)
        created.append(spec.name)
    if created:
        # Tells a running beat to reload its schedule.
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return created


def sync_after_migrate(sender, plan=None, **kwargs) -> None:
    """post_migrate receiver (connected once, for the surveillance app): only when migrations ran
    forwards and beat's tables exist."""
    from django.db import connection

    if plan and any(backwards for _, backwards in plan):
        return
    if "django_celery_beat_periodictask" not in connection.introspection.table_names():
        return
    sync_periodic_tasks()

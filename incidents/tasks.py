"""Celery tasks of the incidents app (beat, every 30 s); thin calls into incidents.services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="incidents.tasks.apply_auto_open_policies")
def apply_auto_open_policies() -> int:
    from incidents.services.automation import apply_policies

    return len(apply_policies())


@shared_task(name="incidents.tasks.check_sla_breaches")
def check_sla_breaches() -> int:
    from incidents.services.automation import check_sla_breaches as check

    return len(check())

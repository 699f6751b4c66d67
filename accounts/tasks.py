"""Account housekeeping (default queue). Thin: the work lives in services."""

from celery import shared_task

from orin.periodic import periodic


@periodic(
    "Stale account deactivation",
    crontab=("30", "3"),
    description="Daily: accounts unused for ORIN_STALE_ACCOUNT_DAYS are deactivated (audited).",
)
@shared_task
def deactivate_stale_accounts() -> int:
    """Deactivate accounts unused for ORIN_STALE_ACCOUNT_DAYS; returns how many."""
    from accounts.services.accounts import deactivate_stale_accounts as run

    return run()

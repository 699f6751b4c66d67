"""Account housekeeping (default queue). Thin: the work lives in services."""

from celery import shared_task


@shared_task
def deactivate_stale_accounts() -> int:
    """Deactivate accounts unused for ORIN_STALE_ACCOUNT_DAYS; returns how many."""
    from accounts.services.accounts import deactivate_stale_accounts as run

    return run()

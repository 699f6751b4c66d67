"""The Celery app: queues `recognition`, `notifications`, `maintenance` (routes in settings).

Every task inherits `OrinTask`: acknowledged only after it ran (a worker killed mid-task gets
its message redelivered), retried with exponential backoff on transient infrastructure errors.
Tasks must therefore be idempotent; results are ignored unless a task asks otherwise.
"""

import os

from celery import Celery, Task
from celery.signals import celeryd_init
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu import Queue
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")

QUEUES = ("recognition", "notifications", "maintenance", "celery")

# Worth a retry: the database, Redis or the network was briefly away. Anything else is a bug or
# bad input, and retrying would only repeat it.
TRANSIENT_ERRORS = (
    DatabaseOperationalError,
    DatabaseInterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


class OrinTask(Task):
    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 6


app = Celery("orin", task_cls=OrinTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in QUEUES]
app.autodiscover_tasks()


def worker_concurrency(queues: list[str] | None) -> int:
    """Processes for a worker consuming `queues` (all when None): the sum of their settings."""
    from django.conf import settings

    sizes = settings.ORIN_WORKER_CONCURRENCY
    return max(1, sum(sizes.get(name, 1) for name in (queues or QUEUES)))


@celeryd_init.connect
def size_worker_for_its_queues(sender=None, conf=None, options=None, **kwargs):
    # An explicit --concurrency wins; otherwise size the pool from the queues it consumes.
    if options is not None and not options.get("concurrency"):
        conf.worker_concurrency = worker_concurrency(options.get("queues") or None)

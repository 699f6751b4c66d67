"""`manage.py doctor`: is this installation healthy, and if not, what to do about it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from surveillance.services import partitions

OK, WARN, FAIL = "OK", "WARN", "FAIL"


@dataclass
class CheckResult:
    name: str
    status: str
    detail: str
    hint: str = ""


class CheckFailed(Exception):
    def __init__(self, detail: str, hint: str):
        super().__init__(detail)
        self.detail, self.hint = detail, hint


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split()[0].split(".")[:2] if part.isdigit())


def check_postgres() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    if _version_tuple(version) < (15,):
        raise CheckFailed(f"PostgreSQL {version}", "ORIN needs PostgreSQL 15 or newer")
    return f"PostgreSQL {version}"


def check_pgvector() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        row = cursor.fetchone()
    if row is None:
        raise CheckFailed("extension vector not installed", "install pgvector >= 0.5 and run manage.py migrate")
    if _version_tuple(row[0]) < (0, 5):
        raise CheckFailed(f"pgvector {row[0]}", "upgrade pgvector to 0.5 or newer (HNSW)")
    return f"pgvector {row[0]}"


def check_migrations() -> str:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise CheckFailed(f"{len(pending)} migration(s) not applied", "run: python manage.py migrate")
    return "all applied"


def partition_check(table: str) -> Callable[[], str]:
    def check() -> str:
        found = {p.month for p in partitions.list_partitions(table)}
        this_month = partitions.current_month()
        needed = [partitions.add_months(this_month, n) for n in range(3)]
        missing = [partitions.partition_name(table, m) for m in needed if m not in found]
        if None not in found:
            missing.append(f"{table}_default")
        if missing:
            raise CheckFailed(
                "missing " + ", ".join(missing),
                "run: python manage.py maintain_partitions (or migrate on a new database)",
            )
        stray = partitions.default_partition_rows(table)
        monthly = len([m for m in found if m is not None])
        if stray:
            raise CheckFailed(
                f"{monthly} monthly partitions; {stray} row(s) in {table}_default",
                "rows outside every monthly partition: run manage.py maintain_partitions to move them",
            )
        return f"{monthly} monthly partitions + default"

    return check


def check_hnsw() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_embeddings_hnsw'")
        row = cursor.fetchone()
    if row is None or "hnsw" not in row[0].lower():
        raise CheckFailed("idx_embeddings_hnsw missing", "run: python manage.py migrate faces")
    return "idx_embeddings_hnsw (vector_cosine_ops, m=16, ef_construction=64)"


def check_redis() -> str:
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        info = client.info("server")
    except (redis.RedisError, OSError, ValueError) as exc:
        raise CheckFailed(
            f"{_safe_url(settings.REDIS_URL)}: {exc}", "start Redis (./orinctl services) or fix REDIS_URL"
        ) from exc
    return f"Redis {info.get('redis_version')} at {_safe_url(settings.REDIS_URL)}"


def check_celery() -> str:
    from orin.celery import app

    try:
        replies = app.control.ping(timeout=2.0)
    except Exception as exc:  # kombu raises transport-specific errors when the broker is down
        raise CheckFailed(f"broker unreachable: {exc}", "start Redis and a worker: ./orinctl run") from exc
    if not replies:
        raise CheckFailed("no worker answered within 2 s", "start a worker: celery -A orin worker (./orinctl run does)")
    return f"{len(replies)} worker(s): " + ", ".join(sorted(name for reply in replies for name in reply))


def check_face_models() -> str:
    from faces.services.model_pack import ModelPackError, check_model_pack, model_pack_dir

    try:
        loaded = check_model_pack()
    except ModelPackError as exc:
        raise CheckFailed(str(exc).split(";")[0], str(exc).split(";", 1)[-1].strip()) from exc
    return f"{model_pack_dir()}: " + ", ".join(loaded)


def check_object_detector() -> str:
    from detection.services.detector import DetectorError, describe_detector

    try:
        return describe_detector()
    except DetectorError as exc:
        raise CheckFailed(exc.detail, exc.hint) from exc


def check_media_storage() -> str:
    name = default_storage.save(f"doctor/{uuid.uuid4().hex}.txt", ContentFile(b"orin doctor"))
    try:
        if default_storage.open(name).read() != b"orin doctor":
            raise CheckFailed("read back differs", "check the media storage backend")
    finally:
        default_storage.delete(name)
    return f"{type(default_storage).__name__} at {getattr(default_storage, 'location', '') or 'remote'}"


def _safe_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}{parts.path}"


def all_checks() -> list[tuple[str, Callable[[], str]]]:
    checks: list[tuple[str, Callable[[], str]]] = [
        ("PostgreSQL", check_postgres),
        ("pgvector", check_pgvector),
        ("migrations", check_migrations),
    ]
    checks += [(f"partitions: {table}", partition_check(table)) for table in partitions.PARTITIONED_TABLES]
    checks += [
        ("HNSW index", check_hnsw),
        ("Redis", check_redis),
        ("Celery workers", check_celery),
        ("face models", check_face_models),
        ("object detector", check_object_detector),
        ("media storage", check_media_storage),
    ]
    return checks


def run_checks() -> list[CheckResult]:
    results = []
    for name, check in all_checks():
        try:
            results.append(CheckResult(name, OK, check()))
        except CheckFailed as exc:
            # Rows stranded in a default partition are a warning: nothing is lost or broken.
            status = WARN if "_default" in exc.detail and "row(s)" in exc.detail else FAIL
            results.append(CheckResult(name, status, exc.detail, exc.hint))
        except Exception as exc:  # a check must report, never crash the table
            results.append(CheckResult(name, FAIL, f"{type(exc).__name__}: {exc}", "see the error above"))
    return results

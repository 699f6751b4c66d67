"""Unknown-face clusters: persistent labels, joining the nearest cluster, keeping counts and the
representative face current."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection
from django.db.models import Count, Max, Min

from faces.models import ClusterStatus, FaceEmbedding, PersonCluster

# Serialises "find the nearest cluster, else open one" across workers: without it two workers
# seeing a new face at once would both open a cluster for it.
CLUSTER_LOCK_KEY = 0x0F1C_E5C1


def lock_clusters() -> None:
    """Transaction-scoped advisory lock; released at commit or rollback."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLUSTER_LOCK_KEY])


def next_cluster_label() -> str:
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT nextval('person_cluster_label_seq')")
            label = f"Unknown-{cursor.fetchone()[0]:05d}"
            if not PersonCluster.objects.filter(cluster_label=label).exists():
                return label


def open_cluster(seen_at: dt.datetime) -> PersonCluster:
    return PersonCluster.objects.create(
        id=uuid.uuid4(), cluster_label=next_cluster_label(), first_seen=seen_at, last_seen=seen_at
    )


def note_sighting(cluster_id, seen_at: dt.datetime) -> None:
    """An event joined the cluster (whether or not its face was good enough to add)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE person_clusters SET first_seen = LEAST(first_seen, %s), last_seen = GREATEST(last_seen, %s) "
            "WHERE id = %s",
            [seen_at, seen_at, cluster_id],
        )


def refresh_cluster(cluster_id) -> None:
    """Recount samples and pick the best-quality face as representative, from the embeddings
    themselves (cheap: a cluster holds tens to hundreds of faces)."""
    stats = FaceEmbedding.objects.filter(cluster_id=cluster_id).aggregate(n=Count("id"))
    best = (
        FaceEmbedding.objects.filter(cluster_id=cluster_id)
        .order_by("-face_quality", "-confidence", "created_at")
        .values_list("id", flat=True)
        .first()
    )
    PersonCluster.objects.filter(id=cluster_id).update(sample_count=stats["n"], representative_embedding_id=best)


def refresh_cluster_times(cluster_id) -> None:
    """first/last seen from the cluster's events, after events moved in or out."""
    from surveillance.models import Event

    span = Event.objects.filter(cluster_id=cluster_id).aggregate(first=Min("timestamp"), last=Max("timestamp"))
    if span["first"] is not None:
        PersonCluster.objects.filter(id=cluster_id).update(first_seen=span["first"], last_seen=span["last"])


def is_searchable(status: str) -> bool:
    """Clusters whose faces new faces may join: active ones, and rejected ones (to suppress)."""
    return status in (ClusterStatus.ACTIVE, ClusterStatus.REJECTED)

"""Nearest-face queries on pgvector (HNSW, cosine). One query per face, always filtered on the
model version, with iterative index scans so the filter never starves the result list.

face_embeddings stores halfvec(512) (faces/fields.py): queries cast to halfvec so the halfvec
graphs serve them; negative examples stay vector(512) (a handful of rows per person, no index).

Similarity = 1 - cosine distance; embeddings are unit-norm so it is the dot product.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction

# Nearest person embeddings considered per face: if a negative example vetoes the best
# person, the next distinct person in this list can still match.
PERSON_CANDIDATES = 10


@dataclass(frozen=True)
class Neighbour:
    embedding_id: uuid.UUID
    owner_id: uuid.UUID  # person or cluster
    similarity: float
    cluster_status: str | None = None


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32).ravel()) + "]"


def tune_search(cursor, ef_search: int | None = None) -> None:
    """Per-transaction HNSW settings: candidate list size, and iterative scans so filtered
    queries keep walking the graph until they have their LIMIT (pgvector >= 0.8)."""
    cursor.execute(
        "SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)",
        [str(ef_search or settings.ORIN_HNSW_EF_SEARCH)],
    )


_PERSON_SQL = """
WITH nearest AS MATERIALIZED (
    SELECT e.id, e.person_id, e.embedding <=> %(q)s::halfvec AS distance
    FROM face_embeddings e
    WHERE e.person_id IS NOT NULL AND e.model_version = %(version)s
    ORDER BY e.embedding <=> %(q)s::halfvec
    LIMIT %(candidates)s
)
SELECT n.id, n.person_id, 1 - n.distance AS similarity
FROM nearest n
WHERE NOT EXISTS (
    SELECT 1 FROM face_negative_examples x
    WHERE x.person_id = n.person_id AND x.model_version = %(version)s
      AND (x.embedding <=> %(q)s::vector) <= n.distance
)
ORDER BY n.distance
LIMIT 1
"""

_CLUSTER_SQL = """
WITH nearest AS MATERIALIZED (
    SELECT e.id, e.cluster_id, e.embedding <=> %(q)s::halfvec AS distance
    FROM face_embeddings e
    WHERE e.cluster_id IS NOT NULL AND e.model_version = %(version)s
    ORDER BY e.embedding <=> %(q)s::halfvec
    LIMIT %(limit)s
)
SELECT n.id, n.cluster_id, 1 - n.distance AS similarity, c.status
FROM nearest n JOIN person_clusters c ON c.id = n.cluster_id
ORDER BY n.distance
"""


def nearest_person(vector: np.ndarray, version: str, ef_search: int | None = None) -> Neighbour | None:
    """The closest enrolled face whose person has not been ruled out for faces like this one."""
    with transaction.atomic(), connection.cursor() as cursor:
        tune_search(cursor, ef_search)
        cursor.execute(_PERSON_SQL, {"q": vector_literal(vector), "version": version, "candidates": PERSON_CANDIDATES})
        row = cursor.fetchone()
    return Neighbour(row[0], row[1], float(row[2])) if row else None


def nearest_cluster(vector: np.ndarray, version: str, ef_search: int | None = None) -> Neighbour | None:
    rows = nearest_clusters(vector, version, limit=1, ef_search=ef_search)
    return rows[0] if rows else None


def nearest_clusters(vector: np.ndarray, version: str, limit: int = 5, ef_search: int | None = None) -> list[Neighbour]:
    with transaction.atomic(), connection.cursor() as cursor:
        tune_search(cursor, ef_search)
        cursor.execute(_CLUSTER_SQL, {"q": vector_literal(vector), "version": version, "limit": limit})
        rows = cursor.fetchall()
    return [Neighbour(r[0], r[1], float(r[2]), r[3]) for r in rows]


def nearest_persons(vector: np.ndarray, version: str, limit: int = 5, ef_search: int | None = None) -> list[Neighbour]:
    """Top persons (best embedding each) for "who is this?"; scans a few embeddings per person."""
    sql = """
        WITH nearest AS MATERIALIZED (
            SELECT e.id, e.person_id, e.embedding <=> %(q)s::halfvec AS distance
            FROM face_embeddings e
            WHERE e.person_id IS NOT NULL AND e.model_version = %(version)s
            ORDER BY e.embedding <=> %(q)s::halfvec
            LIMIT %(scan)s
        )
        SELECT DISTINCT ON (person_id) id, person_id, 1 - distance FROM nearest ORDER BY person_id, distance
    """
    with transaction.atomic(), connection.cursor() as cursor:
        tune_search(cursor, ef_search)
        cursor.execute(sql, {"q": vector_literal(vector), "version": version, "scan": limit * 4})
        rows = cursor.fetchall()
    found = sorted((Neighbour(r[0], r[1], float(r[2])) for r in rows), key=lambda n: -n.similarity)
    return found[:limit]


def nearest_person_embedding_similarity(person_id, vector: np.ndarray, version: str) -> float | None:
    """Exact best similarity among one person's embeddings (a handful of rows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MAX(1 - (embedding <=> %s::halfvec)) FROM face_embeddings "
            "WHERE person_id = %s AND model_version = %s",
            [vector_literal(vector), person_id, version],
        )
        row = cursor.fetchone()
    return None if row is None or row[0] is None else float(row[0])


SEARCH_INDEXES = ("idx_embeddings_person_hnsw", "idx_embeddings_hnsw")


def prewarm() -> dict[str, int]:
    """Load the HNSW graphs into shared buffers (pg_prewarm), so the first searches after a
    server start do not each pay for disk reads; returns blocks loaded per index."""
    loaded = {}
    with connection.cursor() as cursor:
        for index in SEARCH_INDEXES:
            cursor.execute("SELECT pg_prewarm(%s::regclass)", [index])
            loaded[index] = int(cursor.fetchone()[0])
    return loaded

import numpy as np
import pytest
from django.db import connection, transaction

from faces.models import FaceEmbedding
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_nearest_neighbour_query_uses_the_hnsw_index():
    rng = np.random.default_rng(7)
    person = PersonFactory()
    vectors = rng.normal(size=(200, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    FaceEmbedding.objects.bulk_create(
        FaceEmbedding(person=person, embedding=v, source_image_path="x", model_version="t") for v in vectors
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # 200 rows are a seq-scan's territory; turn that off to see which index the planner picks.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("ANALYZE face_embeddings")
        query = "[" + ",".join(f"{x:.6f}" for x in vectors[0]) + "]"
        cursor.execute("EXPLAIN SELECT id FROM face_embeddings ORDER BY embedding <=> %s::vector LIMIT 10", [query])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "idx_embeddings_hnsw" in plan, plan


def test_hnsw_index_has_the_seed_parameters():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_embeddings_hnsw'")
        definition = cursor.fetchone()[0]
    assert "hnsw" in definition and "vector_cosine_ops" in definition
    assert "m='16'" in definition.replace(" ", "") and "ef_construction='64'" in definition.replace(" ", "")

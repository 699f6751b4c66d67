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


def test_hnsw_indexes_are_halfvec_graphs_with_the_measured_parameters():
    """halfvec(512) column and graphs, ef_construction=128 (bench/face_search.py, docs/scale.md)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'face_embeddings'::regclass AND attname = 'embedding'"
        )
        assert cursor.fetchone()[0] == "halfvec(512)"
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'idx_embeddings%%hnsw'")
        definitions = dict(cursor.fetchall())
    assert set(definitions) == {"idx_embeddings_hnsw", "idx_embeddings_person_hnsw"}
    for definition in definitions.values():
        compact = definition.replace(" ", "")
        assert "hnsw" in definition and "halfvec_cosine_ops" in definition
        assert "m='16'" in compact and "ef_construction='128'" in compact


def test_embeddings_read_back_as_float32_arrays_within_half_precision():
    rng = np.random.default_rng(3)
    vector = rng.normal(size=512).astype(np.float32)
    vector /= np.linalg.norm(vector)
    stored = FaceEmbedding.objects.create(
        person=PersonFactory(), embedding=vector, source_image_path="x", model_version="t"
    )
    loaded = FaceEmbedding.objects.get(pk=stored.pk).embedding
    assert loaded.dtype == np.float32 and loaded.shape == (512,)
    assert float(loaded @ vector) > 0.9999


def test_prewarm_loads_both_search_graphs():
    from faces.services.search import SEARCH_INDEXES, prewarm

    loaded = prewarm()
    assert set(loaded) == set(SEARCH_INDEXES) and all(blocks >= 1 for blocks in loaded.values())

"""Face embeddings as halfvec(512) (inline rows, half-size HNSW graphs; faces/fields.py) and
both graphs rebuilt with ef_construction=128 (bench/face_search.py, docs/scale.md). Reversible:
halfvec casts back to vector (the float16 rounding stays). pg_prewarm lets the server load the
graphs into shared buffers after a start (faces.services.search.prewarm)."""

import faces.fields
import pgvector.django.indexes
from django.db import migrations, models

# The seed's vw_person_recognition_summary groups by face_embeddings.embedding, and PostgreSQL
# will not retype a column a view reads: keep its definition, drop it, put it back afterwards.
VIEW = "vw_person_recognition_summary"
SAVE_AND_DROP_VIEW = f"""
CREATE TEMP TABLE _orin_saved_view ON COMMIT DROP AS
    SELECT pg_get_viewdef('{VIEW}'::regclass) AS definition, obj_description('{VIEW}'::regclass) AS note;
DROP VIEW {VIEW};
"""
RESTORE_VIEW = f"""
DO $$
DECLARE saved record;
BEGIN
    SELECT * INTO saved FROM _orin_saved_view;
    EXECUTE 'CREATE VIEW {VIEW} AS ' || saved.definition;
    EXECUTE format('COMMENT ON VIEW {VIEW} IS %L', saved.note);
END $$;
DROP TABLE _orin_saved_view;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("faces", "0004_person_index_ef_construction_128"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_prewarm", reverse_sql="DROP EXTENSION IF EXISTS pg_prewarm"
        ),
        migrations.RemoveIndex(
            model_name="faceembedding",
            name="idx_embeddings_hnsw",
        ),
        migrations.RemoveIndex(
            model_name="faceembedding",
            name="idx_embeddings_person_hnsw",
        ),
        migrations.RunSQL(SAVE_AND_DROP_VIEW, reverse_sql=RESTORE_VIEW),
        migrations.AlterField(
            model_name="faceembedding",
            name="embedding",
            field=faces.fields.HalfEmbeddingField(dimensions=512),
        ),
        migrations.RunSQL(RESTORE_VIEW, reverse_sql=SAVE_AND_DROP_VIEW),
        migrations.AddIndex(
            model_name="faceembedding",
            index=pgvector.django.indexes.HnswIndex(
                ef_construction=128,
                fields=["embedding"],
                m=16,
                name="idx_embeddings_hnsw",
                opclasses=["halfvec_cosine_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="faceembedding",
            index=pgvector.django.indexes.HnswIndex(
                condition=models.Q(("person__isnull", False)),
                ef_construction=128,
                fields=["embedding"],
                m=16,
                name="idx_embeddings_person_hnsw",
                opclasses=["halfvec_cosine_ops"],
            ),
        ),
    ]

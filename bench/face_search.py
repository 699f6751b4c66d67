"""Face search benchmark: HNSW (cosine; the seed's m=16, ef_construction=64) on N 512-d embeddings.

    eval "$(./orinctl env)" && .orin/venv/bin/python bench/face_search.py --vectors 500000

Vectors are shaped like a face gallery, with the statistics the real recognizer shows on named
photos (same person 0.65-0.99 cosine, different people 99th percentile ~0.18): N/10 identities
whose centres lie on a 192-d subspace, each with exactly 10 samples scattered around it (a
person's enrolment photos, or an unknown cluster's sightings). Queries are fresh samples of
random identities, so a query's exact top-10 is essentially its identity's samples. Recall@10
is measured against exact search (numpy over all vectors); latency per query as the
application runs it: a filtered `ORDER BY embedding <=> q LIMIT 10` with `hnsw.ef_search` set
per transaction and iterative scans on. The table lives in a throw-away schema `bench_faces`,
dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

SCHEMA = "bench_faces"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://orin@127.0.0.1:54329/orin")
    return url.replace("postgres://", "postgresql://", 1)


def identities(count: int, dims: int, rng: np.random.Generator, intrinsic: int, groups: int) -> np.ndarray:
    """Identity centres on a low-dimensional subspace rotated into `dims`: real face embeddings
    are not isotropic (different people score cosine ~N(0, 0.07), not the 1/sqrt(512) = 0.044
    of random vectors). With `groups` > 0 identities also share coarse traits (age, sex, skin,
    glasses: people of one group score ~0.2 with each other, ~0 with the rest); without them
    every stranger is equally far, the worst case for a graph index, which has nothing to
    navigate by."""
    basis, _ = np.linalg.qr(rng.standard_normal((dims, intrinsic)).astype(np.float32))
    centres = rng.standard_normal((count, intrinsic), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    if groups > 0:
        traits = rng.standard_normal((groups, intrinsic), dtype=np.float32)
        traits /= np.linalg.norm(traits, axis=1, keepdims=True)
        centres = traits[rng.integers(0, groups, size=count)] + 2.0 * centres
    centres = centres @ basis.T
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def samples_around(centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors at cosine 0.8-0.99 from their centre (so 0.64-0.98 between two samples):
    centre + noise of norm r gives cos ~= 1 / sqrt(1 + r^2)."""
    noise = rng.standard_normal(centres.shape, dtype=np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    radius = rng.uniform(0.14, 0.75, size=(centres.shape[0], 1)).astype(np.float32)
    vectors = centres + noise * radius
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def build_vectors(
    count: int, per_identity: int, dims: int, seed: int, intrinsic: int, groups: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = identities(max(1, count // per_identity), dims, rng, intrinsic, groups)
    owner = np.repeat(np.arange(centres.shape[0]), per_identity)[:count]
    return samples_around(centres[owner], rng), centres


def load(conn: psycopg.Connection, vectors: np.ndarray) -> float:
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cur.execute(f"CREATE SCHEMA {SCHEMA}")
        cur.execute(
            f"CREATE TABLE {SCHEMA}.face_embeddings (id bigint PRIMARY KEY, model_version varchar(20) NOT NULL, "
            f"embedding vector({vectors.shape[1]}) NOT NULL)"
        )
        with cur.copy(
            f"COPY {SCHEMA}.face_embeddings (id, model_version, embedding) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "varchar", "vector"])
            for i, vector in enumerate(vectors):
                copy.write_row([i, "buffalo_s", vector])
    conn.commit()
    return time.perf_counter() - started


def build_index(conn: psycopg.Connection, memory: str, workers: int, m: int, ef_construction: int) -> float:
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(f"SET maintenance_work_mem = '{memory}'")
        cur.execute(f"SET max_parallel_maintenance_workers = {int(workers)}")
        cur.execute(
            f"CREATE INDEX ON {SCHEMA}.face_embeddings USING hnsw (embedding vector_cosine_ops) "
            f"WITH (m = {int(m)}, ef_construction = {int(ef_construction)})"
        )
        cur.execute(f"ANALYZE {SCHEMA}.face_embeddings")
    conn.commit()
    return time.perf_counter() - started


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    top = np.empty((queries.shape[0], k), dtype=np.int64)
    for start in range(0, queries.shape[0], 100):
        scores = queries[start : start + 100] @ vectors.T
        part = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.take_along_axis(scores, part, axis=1).argsort(axis=1)[:, ::-1]
        top[start : start + 100] = np.take_along_axis(part, order, axis=1)
    return top


def measure(conn: psycopg.Connection, queries: np.ndarray, truth: np.ndarray, ef: int, k: int) -> dict:
    sql = (
        f"SELECT id FROM {SCHEMA}.face_embeddings WHERE model_version = 'buffalo_s' ORDER BY embedding <=> %s LIMIT %s"
    )
    latencies, hits = [], 0
    with conn.cursor() as cur:
        cur.execute("EXPLAIN " + sql, [queries[0], k])
        plan = " ".join(r[0] for r in cur.fetchall())
        for query, expected in zip(queries, truth):
            started = time.perf_counter()
            with conn.transaction():
                cur.execute(
                    "SELECT set_config('hnsw.ef_search', %s, true), "
                    "set_config('hnsw.iterative_scan', 'relaxed_order', true)",
                    [str(ef)],
                )
                cur.execute(sql, [query, k], prepare=True)
                found = [row[0] for row in cur.fetchall()]
            latencies.append((time.perf_counter() - started) * 1000)
            hits += len(set(found) & set(expected.tolist()))
    latencies.sort()
    return {
        "ef_search": ef,
        "recall": hits / (len(queries) * k),
        "p50_ms": latencies[len(latencies) // 2],
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
        "uses_index": "Index Scan" in plan,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vectors", type=int, default=500_000)
    parser.add_argument("--per-identity", type=int, default=10)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--ef", type=int, nargs="+", default=[40, 64, 128])
    parser.add_argument("--maintenance-work-mem", default="3GB")
    parser.add_argument("--parallel-workers", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the bench_faces schema afterwards")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--m", type=int, default=16, help="HNSW links per node (the seed: 16)")
    parser.add_argument("--ef-construction", type=int, default=64, help="HNSW build candidates (the seed: 64)")
    parser.add_argument("--groups", type=int, default=0, help="trait groups of identities (0: all equally far)")
    parser.add_argument("--intrinsic-dims", type=int, default=192, help="dimension of the identity subspace")
    args = parser.parse_args(argv)
    k, dims = 10, 512

    vectors, centres = build_vectors(args.vectors, args.per_identity, dims, args.seed, args.intrinsic_dims, args.groups)
    rng = np.random.default_rng(args.seed + 1)
    queries = samples_around(centres[rng.integers(0, centres.shape[0], size=args.queries)], rng)
    print(f"{args.vectors} vectors ({centres.shape[0]} identities), {args.queries} queries")
    sample = rng.integers(0, args.vectors, size=(2000, 2))
    cross = np.einsum("ij,ij->i", vectors[sample[:, 0]], vectors[sample[:, 1]])
    print(f"cosine of random pairs: mean {cross.mean():.3f}, 99th percentile {np.percentile(cross, 99):.3f}")

    with psycopg.connect(database_url(), autocommit=False) as conn:
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.commit()
        register_vector(conn)
        try:
            print(f"load (COPY binary): {load(conn, vectors):.1f} s")
            seconds = build_index(conn, args.maintenance_work_mem, args.parallel_workers, args.m, args.ef_construction)
            print(f"HNSW build (m={args.m}, ef_construction={args.ef_construction}): {seconds:.1f} s")
            started = time.perf_counter()
            truth = exact_top(vectors, queries, k)
            print(f"exact top-{k} (numpy, all vectors): {time.perf_counter() - started:.1f} s")
            measure(conn, queries[:50], truth[:50], args.ef[0], k)  # warm the cache
            print(f"{'ef_search':>9} {'recall@10':>10} {'p50 ms':>8} {'p95 ms':>8}  index")
            for ef in args.ef:
                r = measure(conn, queries, truth, ef, k)
                print(f"{ef:>9} {r['recall']:>10.4f} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f}  {r['uses_index']}")
        finally:
            if not args.keep:
                with conn.cursor() as cur:
                    cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
                conn.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Face search benchmark: pgvector HNSW vs an exact scan vs usearch (in-process HNSW), same
vectors and queries, one run.

    eval "$(./orinctl env)" && .orin/venv/bin/python bench/face_search.py --vectors 100000
    .orin/venv/bin/python bench/face_search.py --vectors 500000 --scenario faces worst

Scenarios (bench/face_vectors.py): `faces` (real buffalo_s embeddings of the packaged photos
under variation as mates, distractors with the statistics measured on them) and `worst` (the
old even 192-d generator). Per scenario and column type (`--types halfvec vector`) it loads the
table by binary COPY into a throw-away schema, builds HNSW (`--m`, `--ef-construction`), and
reports for each ef_search: recall@10 against the exact top-10, rank-1 agreement, recall of
mates at the match threshold (real photos only: gallery takes of the same person scoring
>= --threshold exactly), the worst query's recall, p50/p95 with 1 and 4 concurrent clients
(query vectors bound in binary), build time and index size. usearch (f32 and i8) and the exact
numpy scan run on the same vectors. Load average and memory are printed first.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psycopg
from pgvector import HalfVector, Vector
from pgvector.psycopg import register_vector

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orin.settings")

import face_vectors  # noqa: E402

SCHEMA = "bench_faces"
K = 10


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://orin@127.0.0.1:54329/orin")
    return url.replace("postgres://", "postgresql://", 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


def load(conn: psycopg.Connection, vectors: np.ndarray, kind: str) -> float:
    started = time.perf_counter()
    wrap = HalfVector if kind == "halfvec" else Vector
    with conn.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cur.execute(f"CREATE SCHEMA {SCHEMA}")
        cur.execute(
            f"CREATE TABLE {SCHEMA}.face_embeddings (id bigint PRIMARY KEY, model_version varchar(20) NOT NULL, "
            f"embedding {kind}({vectors.shape[1]}) NOT NULL)"
        )
        with cur.copy(f"COPY {SCHEMA}.face_embeddings (id, model_version, embedding) FROM STDIN (FORMAT BINARY)") as cp:
            cp.set_types(["int8", "varchar", kind])
            for i, vector in enumerate(vectors):
                cp.write_row([i, "buffalo_s", wrap(vector)])
    conn.commit()
    return time.perf_counter() - started


def build_index(conn: psycopg.Connection, kind: str, m: int, efc: int, memory: str, workers: int) -> tuple[float, int]:
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(f"SET maintenance_work_mem = '{memory}'")
        cur.execute(f"SET max_parallel_maintenance_workers = {int(workers)}")
        cur.execute(
            f"CREATE INDEX bench_hnsw ON {SCHEMA}.face_embeddings USING hnsw (embedding {kind}_cosine_ops) "
            f"WITH (m = {int(m)}, ef_construction = {int(efc)})"
        )
        cur.execute(f"ANALYZE {SCHEMA}.face_embeddings")
        cur.execute(f"SELECT pg_relation_size('{SCHEMA}.bench_hnsw')")
        size = cur.fetchone()[0]
    conn.commit()
    return time.perf_counter() - started, size


def exact_top(gallery: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, list[float]]:
    top, latencies = np.empty((len(queries), K), dtype=np.int64), []
    for i, q in enumerate(queries):
        started = time.perf_counter()
        scores = gallery @ q
        part = np.argpartition(-scores, K)[:K]
        top[i] = part[np.argsort(-scores[part])]
        latencies.append((time.perf_counter() - started) * 1000)
    return top, latencies


def quality(found: np.ndarray, truth: np.ndarray, vs, gallery_scores_at_threshold: list[np.ndarray]) -> dict:
    per_query = np.array([len(set(f) & set(t)) / K for f, t in zip(found, truth)])
    rank1 = float(np.mean(found[:, 0] == truth[:, 0]))
    mates_hit = mates_all = 0
    for i, mates in enumerate(gallery_scores_at_threshold):
        mates_all += min(len(mates), K)
        mates_hit += min(len(set(found[i]) & set(mates.tolist())), K)
    return {
        "recall": float(per_query.mean()),
        "rank1": rank1,
        "worst": float(per_query.min()),
        "mates": mates_hit / mates_all if mates_all else float("nan"),
    }


def pg_search(url: str, kind: str, queries: np.ndarray, ef: int, clients: int) -> tuple[np.ndarray, list[float]]:
    sql = (
        f"SELECT id FROM {SCHEMA}.face_embeddings WHERE model_version = 'buffalo_s' ORDER BY embedding <=> %b LIMIT {K}"
    )
    wrap = HalfVector if kind == "halfvec" else Vector
    found = np.full((len(queries), K), -1, dtype=np.int64)
    latencies: list[float] = []
    lock = threading.Lock()

    def client(rows: range) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            register_vector(conn)
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT set_config('hnsw.ef_search', %s, false), "
                    "set_config('hnsw.iterative_scan', 'relaxed_order', false)",
                    [str(ef)],
                )
                mine = []
                for i in rows:
                    started = time.perf_counter()
                    cur.execute(sql, [wrap(queries[i])], prepare=True)
                    ids = [r[0] for r in cur.fetchall()]
                    mine.append((time.perf_counter() - started) * 1000)
                    found[i, : len(ids)] = ids
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(range(c, len(queries), clients),)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return found, latencies


def usearch_rows(vs, truth, mates, ef_list: list[int], m: int, efc: int, dtype: str) -> list[str]:
    from usearch.index import Index

    index = Index(ndim=vs.gallery.shape[1], metric="cos", dtype=dtype, connectivity=m, expansion_add=efc)
    started = time.perf_counter()
    index.add(np.arange(len(vs.gallery)), vs.gallery, threads=1)
    build = time.perf_counter() - started
    rows = []
    for ef in ef_list:
        index.expansion_search = ef
        found, latencies = np.empty((len(vs.queries), K), dtype=np.int64), []
        for i, q in enumerate(vs.queries):
            t = time.perf_counter()
            found[i] = index.search(q, K, threads=1).keys
            latencies.append((time.perf_counter() - t) * 1000)
        r = quality(found, truth, vs, mates)
        rows.append(
            row(
                f"usearch {dtype} M{m}/efc{efc}",
                ef,
                r,
                latencies,
                None,
                build if ef == ef_list[0] else None,
                index.memory_usage if ef == ef_list[0] else None,
            )
        )
    return rows


def row(name, ef, r, lat1, lat4, build, size) -> str:
    p4 = f"{percentile(lat4, 0.5):>6.2f} {percentile(lat4, 0.95):>6.2f}" if lat4 else f"{'':>6} {'':>6}"
    b = f"{build:>7.1f}" if build is not None else f"{'':>7}"
    s = f"{size / 2**20:>7.0f}" if size else f"{'':>7}"
    ef_text = f"{ef:>5}" if ef else f"{'':>5}"
    return (
        f"{name:<28} {ef_text} {r['recall']:>6.4f} {r['rank1']:>6.3f} {r['mates']:>6.3f} {r['worst']:>5.2f} "
        f"{percentile(lat1, 0.5):>6.2f} {percentile(lat1, 0.95):>6.2f} {p4} {b} {s}"
    )


HEADER = (
    f"{'index':<28} {'ef':>5} {'rec@10':>6} {'rank1':>6} {'mates':>6} {'worst':>5} "
    f"{'p50':>6} {'p95':>6} {'p50x4':>6} {'p95x4':>6} {'build s':>7} {'MiB':>7}"
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vectors", type=int, default=500_000)
    parser.add_argument("--per-identity", type=int, default=10)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--scenario", nargs="+", default=["faces", "worst"], choices=["faces", "worst"])
    parser.add_argument("--types", nargs="+", default=["halfvec"], choices=["halfvec", "vector"])
    parser.add_argument("--ef", type=int, nargs="+", default=[40, 64, 100, 128])
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=128)
    parser.add_argument("--threshold", type=float, default=0.5, help="match threshold (ORIN_FACE_MATCH_THRESHOLD)")
    parser.add_argument("--maintenance-work-mem", default="3GB")
    parser.add_argument("--parallel-workers", type=int, default=1)
    parser.add_argument("--usearch", nargs="*", default=["f32", "i8"], help="usearch dtypes to compare (none: skip)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the bench_faces schema afterwards")
    args = parser.parse_args(argv)
    load_avg = os.getloadavg()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(
        f"{os.cpu_count()} cores, {mem:.0f} GiB RAM, load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}"
    )
    url = database_url()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SHOW shared_buffers")
        print(f"PostgreSQL shared_buffers {cur.fetchone()[0]}")
    for scenario in args.scenario:
        if scenario == "faces":
            import django

            django.setup()
            vs = face_vectors.face_like(args.vectors, args.per_identity, args.queries, args.seed)
        else:
            vs = face_vectors.worst_case(args.vectors, args.per_identity, args.queries, args.seed)
        print(f"\n== {scenario}: {len(vs.gallery)} vectors, {len(vs.queries)} queries ({vs.real_queries} real photos)")
        if vs.stats:
            print("   measured on real embeddings: " + ", ".join(f"{k} {v:.3g}" for k, v in vs.stats.items()))
        sample = np.random.default_rng(1).integers(0, len(vs.gallery), size=(3000, 2))
        cross = np.einsum("ij,ij->i", vs.gallery[sample[:, 0]], vs.gallery[sample[:, 1]])
        print(
            f"   cosine of random gallery pairs: mean {cross.mean():.3f}, "
            f"99th percentile {np.percentile(cross, 99):.3f}"
        )
        truth, exact_lat = exact_top(vs.gallery, vs.queries)
        mates = []
        for i in range(vs.real_queries):
            same = np.flatnonzero(vs.owner == vs.query_owner[i])
            mates.append(same[vs.gallery[same] @ vs.queries[i] >= args.threshold])
        print(HEADER)
        print(
            row(
                "exact (numpy, 1 thread)", 0, quality(truth, truth, vs, mates), exact_lat, None, None, vs.gallery.nbytes
            )
        )
        for kind in args.types:
            with psycopg.connect(url, autocommit=False) as conn:
                register_vector(conn)
                try:
                    load(conn, vs.gallery, kind)
                    build, size = build_index(
                        conn, kind, args.m, args.ef_construction, args.maintenance_work_mem, args.parallel_workers
                    )
                    with conn.cursor() as cur:
                        cur.execute("SELECT pg_prewarm(%s::regclass)", [f"{SCHEMA}.bench_hnsw"])
                    conn.commit()
                    pg_search(url, kind, vs.queries[:50], args.ef[0], 1)  # warm the plan cache
                    for n, ef in enumerate(args.ef):
                        found, lat1 = pg_search(url, kind, vs.queries, ef, 1)
                        _, lat4 = pg_search(url, kind, vs.queries, ef, 4)
                        r = quality(found, truth, vs, mates)
                        name = f"pgvector {kind} m{args.m}/efc{args.ef_construction}"
                        print(
                            row(name, ef, r, lat1, lat4, build if n == 0 else None, size if n == 0 else None),
                            flush=True,
                        )
                finally:
                    if not args.keep:
                        with conn.cursor() as cur:
                            cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
                        conn.commit()
        for dtype in args.usearch:
            for line in usearch_rows(vs, truth, mates, args.ef, args.m, args.ef_construction, dtype):
                print(line, flush=True)
    print(f"\nload average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Embedding storage: `halfvec` in PostgreSQL, float32 numpy arrays in Python.

A 512-d `vector` row is 2,056 bytes, just over the TOAST threshold, so every embedding lived out
of line and the HNSW graph held 4-byte floats; `halfvec(512)` is 1,032 bytes, stays inline and
halves the index (recall@10 within noise of fp32 on bench/face_search.py). pgvector's own
HalfVectorField hands back HalfVector objects; the recognizer, review and clustering code work
on float32 arrays, so this field converts at the boundary.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pgvector import HalfVector
from pgvector.django import HalfVectorField


def as_float32(value: Any) -> np.ndarray | None:
    if value is None or isinstance(value, np.ndarray):
        return value if value is None else value.astype(np.float32, copy=False)
    if isinstance(value, HalfVector):
        return value.to_numpy().astype(np.float32)
    if isinstance(value, str):
        value = HalfVector._from_db(value)  # a list of floats
    return np.asarray(value, dtype=np.float32)


class HalfEmbeddingField(HalfVectorField):
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> np.ndarray | None:
        return as_float32(value)

    def to_python(self, value: Any) -> np.ndarray | None:
        return as_float32(value)

    def get_prep_value(self, value: Any) -> str | None:
        if isinstance(value, list | tuple):
            value = np.asarray(value, dtype=np.float32)
        return HalfVector._to_db(value)

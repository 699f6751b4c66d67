"""Camera live state in Redis (seed 001 §2.2), written by the stream reader and read by the
dashboard's camera grid. Redis is a cache here: losing it loses only the live view, so writers
never fail because of it.

Key layout (all under the `orin:` namespace):

`orin:camera:<camera_id>:state`  hash, no TTL (rewritten while the camera is read)
    status             online | offline | degraded | unknown | maintenance
    fps_current        frames read per second over the last few seconds ("9.8")
    fps_target         the camera's analysis rate: frames per second sent to recognition
    frames_read        frames read from the source since the reader connected
    frames_processed   frames sent to recognition (HINCRBY, monotonic)
    frames_skipped     frames dropped by sampling or as near-duplicates of the last one sent
    frames_dropped     frames the source failed to deliver (read errors)
    last_frame_at      epoch seconds of the last frame read ("1732377623.41")
    last_processed_at  epoch seconds of the last frame sent to recognition
    motion             motion score of the last analysed frame, 0..1
    connected_since    epoch seconds of the current connection ("" when disconnected)
    last_error         the last connection error ("" when healthy)
    updated_at         epoch seconds of this write

`orin:camera:<camera_id>:metrics`  sorted set, score = epoch seconds, member = JSON sample
    {"t": 1732377623.4, "fps": 9.8, "motion": 0.45, "processed": 1}; samples older than five
    minutes are trimmed on every write and the key expires 300 s after the last one.

`orin:cameras:active`  set of camera ids currently read by a stream reader.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from functools import lru_cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

METRICS_WINDOW_SECONDS = 300
ACTIVE_KEY = "orin:cameras:active"
FLOAT_FIELDS = {
    "fps_current",
    "fps_target",
    "motion",
    "last_frame_at",
    "last_processed_at",
    "connected_since",
    "updated_at",
}


def state_key(camera_id) -> str:
    return f"orin:camera:{camera_id}:state"


def metrics_key(camera_id) -> str:
    return f"orin:camera:{camera_id}:metrics"


@lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2)


def client() -> redis.Redis:
    return _client_for(settings.REDIS_URL)


def _safely(action: str, func, default=None):
    try:
        return func()
    except redis.RedisError as exc:
        logger.warning("live state: %s failed: %s", action, exc)
        return default


def set_status(camera_id, status: str, *, error: str = "", connected: bool | None = None) -> None:
    now = time.time()
    fields = {"status": status, "last_error": error, "updated_at": f"{now:.3f}"}
    if connected is True:
        fields["connected_since"] = f"{now:.3f}"
        fields.update(frames_read=0, fps_current="0")
    elif connected is False:
        fields["connected_since"] = ""
        fields["fps_current"] = "0"

    def write():
        pipe = client().pipeline(transaction=False)
        pipe.hset(state_key(camera_id), mapping=fields)
        if status == "online":
            pipe.sadd(ACTIVE_KEY, str(camera_id))
        else:
            pipe.srem(ACTIVE_KEY, str(camera_id))
        pipe.execute()

    _safely("set_status", write)


def record_frames(
    camera_id,
    *,
    read: int,
    processed: int,
    skipped: int,
    dropped: int = 0,
    fps: float,
    fps_target: float,
    motion: float | None = None,
    last_frame_at: float | None = None,
    last_processed_at: float | None = None,
) -> None:
    """Add a batch of reader counters (the reader flushes about once a second) and one sample."""
    now = time.time()
    key = state_key(camera_id)
    sample = {"t": round(now, 3), "fps": round(fps, 2), "processed": processed}
    if motion is not None:
        sample["motion"] = round(motion, 4)
    fields = {
        "status": "online",
        "fps_current": f"{fps:.2f}",
        "fps_target": f"{fps_target:g}",
        "updated_at": f"{now:.3f}",
    }
    if last_frame_at:
        fields["last_frame_at"] = f"{last_frame_at:.3f}"
    if last_processed_at:
        fields["last_processed_at"] = f"{last_processed_at:.3f}"
    if motion is not None:
        fields["motion"] = f"{motion:.4f}"

    def write():
        pipe = client().pipeline(transaction=False)
        pipe.hset(key, mapping=fields)
        pipe.hincrby(key, "frames_read", read)
        pipe.hincrby(key, "frames_processed", processed)
        pipe.hincrby(key, "frames_skipped", skipped)
        if dropped:
            pipe.hincrby(key, "frames_dropped", dropped)
        pipe.sadd(ACTIVE_KEY, str(camera_id))
        mkey = metrics_key(camera_id)
        pipe.zadd(mkey, {json.dumps(sample, separators=(",", ":")): now})
        pipe.zremrangebyscore(mkey, "-inf", f"({now - METRICS_WINDOW_SECONDS}")
        pipe.expire(mkey, METRICS_WINDOW_SECONDS)
        pipe.execute()

    _safely("record_frames", write)


def _parse_state(raw: dict) -> dict:
    state: dict = {}
    for name, value in raw.items():
        if name in {"frames_read", "frames_processed", "frames_skipped", "frames_dropped"}:
            state[name] = int(value or 0)
        elif name in FLOAT_FIELDS:
            state[name] = float(value) if value else None
        else:
            state[name] = value
    return state


def camera_states(camera_ids: Iterable) -> dict[str, dict]:
    """Live state per camera id (as str); cameras never seen by a reader are absent.

    Counters come back as int, rates and epoch times as float. One Redis round trip.
    """
    ids = [str(camera_id) for camera_id in camera_ids]
    if not ids:
        return {}

    def read():
        pipe = client().pipeline(transaction=False)
        for camera_id in ids:
            pipe.hgetall(state_key(camera_id))
        return pipe.execute()

    rows = _safely("camera_states", read, default=[{}] * len(ids))
    return {camera_id: _parse_state(raw) for camera_id, raw in zip(ids, rows) if raw}


def camera_metrics(camera_id, seconds: int = METRICS_WINDOW_SECONDS) -> list[dict]:
    """The camera's samples from the last `seconds` (at most five minutes), oldest first."""
    since = time.time() - min(seconds, METRICS_WINDOW_SECONDS)
    members = _safely(
        "camera_metrics", lambda: client().zrangebyscore(metrics_key(camera_id), since, "+inf"), default=[]
    )
    return [json.loads(member) for member in members]


def active_cameras() -> set[str]:
    return set(_safely("active_cameras", lambda: client().smembers(ACTIVE_KEY), default=set()))


def forget(camera_id) -> None:
    """Remove a camera's live keys (the camera was deleted or deactivated)."""

    def delete():
        pipe = client().pipeline(transaction=False)
        pipe.delete(state_key(camera_id), metrics_key(camera_id))
        pipe.srem(ACTIVE_KEY, str(camera_id))
        pipe.execute()

    _safely("forget", delete)

"""Per-channel `rate_limit_per_min`, held across every worker process and machine via Redis.

A sliding one-minute log per channel (sorted set of send times), checked and appended in one
Lua script so two workers can never both take the last slot; times come from the Redis server's
clock, so workers with skewed clocks still agree.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

import redis
from django.conf import settings

WINDOW_SECONDS = 60.0
KEY_PREFIX = "orin:alerts:ratelimit:"

_ACQUIRE = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


@lru_cache(maxsize=1)
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)


@lru_cache(maxsize=1)
def _script():
    return _client().register_script(_ACQUIRE)


def acquire(channel_id, limit_per_min: int) -> float:
    """Take a send slot: 0 when granted, else the seconds until one frees up. 0 limit = unlimited."""
    if limit_per_min <= 0:
        return 0.0
    wait = float(_script()(keys=[f"{KEY_PREFIX}{channel_id}"], args=[limit_per_min, WINDOW_SECONDS, uuid.uuid4().hex]))
    return max(wait, 0.0) if wait > 0 else 0.0


def reset(channel_id) -> None:
    _client().delete(f"{KEY_PREFIX}{channel_id}")

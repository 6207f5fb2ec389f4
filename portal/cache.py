"""The shared cache (settings.CACHES): what it may hold and how it fails.

The cache holds the API's throttle counters, shared by every web process, and the sourcing
planner's plans for the hour they live (`filings.rulebooks.services.planning`, written by the
web process and the worker): Redis in production
(`CACHE_URL`, else `REDIS_URL` under `CACHE_KEY_PREFIX`), files under `CACHE_DIR` on one machine.
Log-in throttling does not use it (`portal.accounts.services` counts failures in the database).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

# What a cache call raises when its store is unreachable or broken: Redis errors, and OSError for
# the file-based cache (a full or read-only disk).
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


class PrefixedRedisCache(RedisCache):
    """Django's RedisCache whose `clear()` deletes only this cache's keys.

    Django's own `clear()` is FLUSHDB, which would also delete the Celery broker's queues when both
    share a Redis database (the default: `REDIS_URL` with a key prefix). Everything else is Django's.
    """

    _SCAN_BATCH = 500

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        if not self.key_prefix or any(c in self.key_prefix for c in "*?[]\\"):
            raise ValueError("PrefixedRedisCache needs a KEY_PREFIX without glob characters.")

    def clear(self) -> None:
        untyped: Any = self  # django-stubs does not declare RedisCache._cache (its RedisCacheClient)
        client = untyped._cache.get_client(write=True)
        pattern = f"{self.key_prefix}:*"  # Django's keys are "<prefix>:<version>:<key>"
        batch: list[Any] = []
        for key in client.scan_iter(match=pattern, count=self._SCAN_BATCH):
            batch.append(key)
            if len(batch) >= self._SCAN_BATCH:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)

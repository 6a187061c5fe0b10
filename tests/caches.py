"""Emptying the Django cache between tests without touching anyone else's keys."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def clear_cache() -> None:
    """Rate limits, lockouts and throttles count in the cache: a test starts from nothing
    counted. On Redis only the keys under this process's prefix go (``cache.clear()``
    would flush the whole Redis database: the other test workers' counts and every
    channel layer's messages)."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX")
    if not prefix or "Redis" not in settings.CACHES["default"]["BACKEND"]:
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)

"""Running product code from a browser test: Playwright's sync API keeps an event loop
on the test's thread, where ``async_to_sync`` (every broadcast of the services) cannot
run."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connections


def in_thread(build: Callable[[], Any]) -> Any:
    """``build()`` on a worker thread, its database connections closed after it; its
    result (or its exception) here."""

    def run():
        try:
            return build()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()

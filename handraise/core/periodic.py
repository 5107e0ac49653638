"""Periodic jobs the worker runs by itself, so nothing waits for a cron.

Each job is a plain service function with no arguments, named in the
``PERIODIC_JOBS`` setting with its interval in seconds. The worker runs them on
a background thread; a job that fails is logged and tried again next time,
and never stops the others. Jobs must be safe to run from several workers at
once (they claim rows, or rely on unique keys).
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def run_due_jobs(last_run: dict[str, float], clock=time.monotonic) -> None:
    for path, interval in settings.PERIODIC_JOBS:
        if clock() - last_run.get(path, float("-inf")) < interval:
            continue
        last_run[path] = clock()
        close_old_connections()
        try:
            import_string(path)()
        except Exception:
            logger.exception("Periodic job %s failed; it runs again in %ss", path, interval)
        finally:
            close_old_connections()


def start_thread(stop: threading.Event, tick: float = 0.5) -> threading.Thread:
    def loop() -> None:
        last_run: dict[str, float] = {}
        while not stop.is_set():
            run_due_jobs(last_run)
            stop.wait(tick)

    thread = threading.Thread(target=loop, name="handraise-periodic", daemon=True)
    thread.start()
    return thread

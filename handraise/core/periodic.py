"""Periodic jobs the worker runs by itself, so nothing waits for a cron.

Each job is a plain service function with no arguments, named in the
``PERIODIC_JOBS`` setting with its interval in seconds. The worker runs them on
a background thread; a job that fails is logged and tried again next time,
and never stops the others. Jobs must be safe to run from several workers at
once (they claim rows, or rely on unique keys).

A *polled* job (``POLLED_JOBS``) gets a thread of its own and runs again at
once while it finds work, waiting only when it found none: it is how a table
that is its own queue (received submissions) is served as promptly as the task
queue, without a slow periodic job holding it up. A *long* polled job
(``LONG_POLLED_JOBS``: an import of a 100,000-row file) is one whose work takes
minutes: on a thread of its own it holds up nothing else, and it is handed the
worker's stop event, so a worker told to stop ends it part-way.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections
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
        except DatabaseError as error:  # the database is away: one line, not a traceback
            logger.warning(
                "Periodic job %s: database unavailable (%s); it runs again in %ss",
                path,
                first_line(error),
                interval,
            )
        except Exception:
            logger.exception("Periodic job %s failed; it runs again in %ss", path, interval)
        finally:
            close_old_connections()


def start_thread(stop: threading.Event, tick: float = 0.5) -> threading.Thread:
    def loop() -> None:
        last_run: dict[str, float] = {}
        while not stop.is_set():
            try:
                run_due_jobs(last_run)
            except Exception:  # closing a broken connection failed: never lose the thread
                logger.exception("Periodic jobs could not run")
            stop.wait(tick)

    thread = threading.Thread(target=loop, name="handraise-periodic", daemon=True)
    thread.start()
    return thread


# After a failure (the database is down, say) a polled job waits this long.
POLL_BACK_OFF = 2.0


def run_polled_job(path: str, *arguments) -> int | None:
    """Run a polled job once: how much work it did, or None when it failed."""
    close_old_connections()
    try:
        return import_string(path)(*arguments)
    except DatabaseError as error:  # the database is away: one line, not a traceback
        logger.warning(
            "Polled job %s: database unavailable (%s); it runs again in %ss",
            path,
            first_line(error),
            POLL_BACK_OFF,
        )
        return None
    except Exception:
        logger.exception("Polled job %s failed; it runs again in %ss", path, POLL_BACK_OFF)
        return None
    finally:
        close_old_connections()


def drain_polled_jobs(stop: threading.Event, rounds: int = 100) -> None:
    """Run every polled job until it finds no more work (for ``worker --batch``);
    ``stop`` is handed to the long ones."""
    for path, arguments in [(p, ()) for p in settings.POLLED_JOBS] + [
        (p, (stop,)) for p in settings.LONG_POLLED_JOBS
    ]:
        for _ in range(rounds):
            if not run_polled_job(path, *arguments):
                break


def start_poller(
    path: str, stop: threading.Event, idle_wait: float, *, long: bool = False
) -> threading.Thread:
    """A thread that runs the polled job at ``path``; a ``long`` one (LONG_POLLED_JOBS)
    is handed ``stop`` too, so it can end its work part-way when the worker stops."""
    arguments = (stop,) if long else ()

    def loop() -> None:
        while not stop.is_set():
            try:
                done = run_polled_job(path, *arguments)
            except Exception:  # closing a broken connection failed: never lose the thread
                logger.exception("Polled job %s could not run", path)
                done = None
            if done is None:
                stop.wait(POLL_BACK_OFF)
            elif not done:
                stop.wait(max(idle_wait, 0.05))  # an idle poll never spins

    thread = threading.Thread(target=loop, name=f"handraise-poll-{path}", daemon=True)
    thread.start()
    return thread


def first_line(error: Exception) -> str:
    """An error in one line, for a log line that is not a traceback."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else 'no detail'}"

"""``handraise worker``: run queued tasks, polled jobs and periodic jobs.

The task loop is django-tasks-db's ``Worker``, driven from a loop of our own:
each round drains the queue (``Worker`` in batch mode), then waits. A database
error (SQLite locked past its timeout, PostgreSQL unreachable) ends a round, not
the worker: it is logged in one line and the next round starts after a back-off
that doubles from 1 s to 30 s and starts again at 1 s after a round that worked.
"""

import contextlib
import logging
import signal
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from handraise.core import periodic

logger = logging.getLogger(__name__)

BACK_OFF_FIRST = 1.0
BACK_OFF_MAX = 30.0
# How long a stopping worker waits for a long job to stop (between two rows).
STOP_WAIT = 30.0


class Command(BaseCommand):
    help = "Run the background worker alone (acknowledgements, reminders, cadences)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=0.2, help="Seconds between polls when idle."
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")

    def handle(self, *args, interval, batch, **options):
        stop = threading.Event()
        long_jobs = []
        # Each round is a batch run of the library's worker, so it says "starting"
        # and "no more tasks" every round: keep only its warnings.
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=True,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        _handle_signals(worker, stop)
        if batch:
            periodic.run_due_jobs({})  # first: replaying the spool stores submissions
            periodic.drain_polled_jobs(stop)
        else:
            periodic.start_thread(stop)
            for path in settings.POLLED_JOBS:
                periodic.start_poller(path, stop, idle_wait=interval)
            long_jobs = [
                periodic.start_poller(path, stop, idle_wait=interval, long=True)
                for path in settings.LONG_POLLED_JOBS
            ]
        logger.info("Starting worker worker_id=%s", worker.worker_id)
        try:
            run_rounds(worker, stop, interval=interval, once=batch)
        finally:
            stop.set()
            _let_finish(long_jobs)


def _handle_signals(worker: Worker, stop: threading.Event) -> None:
    """SIGTERM, SIGINT: finish the task at hand, stop a long job (an import) between two
    rows, then exit 0. A second signal ends a short task at once, as the library's does.

    Unlike the library's own handler, the first signal never raises in the main thread:
    an exception landing between SQLite's BEGIN EXCLUSIVE and the transaction's bookkeeping
    would leave the lock held, and the import thread could then neither roll back its
    batch nor say that it was stopped.
    """

    def shutdown(signum, frame):
        if worker.running:
            logger.warning(
                "Received %s - finishing what is running, then stopping.", signal.strsignal(signum)
            )
            worker.running = False
            stop.set()
        elif worker.running_task:
            logger.warning("Received %s - ending the current task.", signal.strsignal(signum))
            worker.reset_signals()
            sys.exit(1)
        else:
            logger.warning(
                "Received %s - already stopping (an import rolls back its batch).",
                signal.strsignal(signum),
            )

    for name in ("SIGINT", "SIGTERM", "SIGQUIT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), shutdown)


def _let_finish(threads: list[threading.Thread]) -> None:
    """Give a long job (an import) the moment it needs to say it was stopped, and roll
    back its batch."""
    for thread in threads:
        thread.join(timeout=STOP_WAIT)


def run_rounds(worker: Worker, stop: threading.Event, *, interval: float, once: bool) -> None:
    # Waits are on ``stop``, so a signal during a back-off ends the worker at once.
    back_off = BACK_OFF_FIRST
    while worker.running:
        try:
            worker.run()
        except DatabaseError as error:
            if once:
                raise  # a batch run reports the failure to whoever started it
            logger.warning(
                "Database unavailable (%s); the worker tries again in %.0fs",
                periodic.first_line(error),
                back_off,
            )
            with contextlib.suppress(DatabaseError):
                close_old_connections()
            stop.wait(back_off)
            back_off = min(back_off * 2, BACK_OFF_MAX)
            continue
        back_off = BACK_OFF_FIRST
        if once:
            return
        if worker.running:
            stop.wait(interval)

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
import threading
import time

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
        if batch:
            # Until the library's handlers are set below, SIGTERM stops a long job (an
            # import) between two rows, so the job can say it was stopped.
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
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
        worker.configure_signals()  # SIGTERM/SIGINT: finish the task at hand, then exit
        logger.info("Starting worker worker_id=%s", worker.worker_id)
        try:
            run_rounds(worker, interval=interval, once=batch)
        finally:
            stop.set()
            _let_finish(long_jobs)


def _let_finish(threads: list[threading.Thread]) -> None:
    """Give a long job (an import) the moment it needs to say it was stopped, and roll
    back its batch, even if a second signal comes meanwhile."""
    for thread in threads:
        try:
            thread.join(timeout=STOP_WAIT)
        except (KeyboardInterrupt, SystemExit):
            thread.join(timeout=STOP_WAIT)
            raise


def run_rounds(worker: Worker, *, interval: float, once: bool) -> None:
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
            time.sleep(back_off)
            back_off = min(back_off * 2, BACK_OFF_MAX)
            continue
        back_off = BACK_OFF_FIRST
        if once:
            return
        if worker.running:
            time.sleep(interval)

import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from handraise.core import periodic


class Command(BaseCommand):
    help = "Run the background worker alone (acknowledgements, reminders, cadences)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=0.2, help="Seconds between polls when idle."
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")

    def handle(self, *args, interval, batch, **options):
        stop = threading.Event()
        if batch:
            periodic.run_due_jobs({})  # first: replaying the spool stores submissions
            periodic.drain_polled_jobs()
        else:
            periodic.start_thread(stop)
            for path in settings.POLLED_JOBS:
                periodic.start_poller(path, stop, idle_wait=interval)
        arguments = ["--queue-name", "*", "--interval", str(interval), "--no-startup-delay"]
        if batch:
            arguments.append("--batch")
        try:
            call_command("db_worker", *arguments)
        finally:
            stop.set()

"""Benchmark 3, acknowledgement: from a form post to its acknowledgement reaching the mail server.

The real ``handraise serve`` (web and worker) sends through a mail server this
benchmark runs on loopback (aiosmtpd); each post is timestamped, and so is the
moment the mail server accepts the acknowledgement addressed to that enquirer.
The reference is the same mail server accepting a message sent straight to it
with ``smtplib``. The target from the issue: p99 under 5 s at 20 posts a second.

Deliberately not measured here: delivery beyond the first mail server (that is
the internet's time, not ours), and the owner's notification (the fresh
database has no users to notify).
"""

import asyncio
import datetime
import math
import smtplib
import threading
import time
from collections import defaultdict
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from bench.databases import ScratchDatabase
from bench.intake import INTAKE, RATE_LIMIT
from bench.load import LoadResult, Request, at_constant_rate
from bench.options import Run
from bench.people import People
from bench.report import Row, Section, Table, milliseconds
from bench.servers import free_port, handraise_serve
from bench.stats import Spread, ratio

TARGET_P99 = 5.0
WARM_UP_POSTS = 20

METHOD = """\
**What it measures.** The time from the start of a form post to `/f/contact/`
until the mail server has accepted the acknowledgement addressed to that
enquirer, with posts arriving at a constant {rate:.0f} a second for {seconds:.0f} s.
That path is the whole hand-raise: intake stores the submission, the worker
(polling received submissions) picks it up, resolves the contact, creates the
enquiry, queues the acknowledgement in the outbox and sends it. The server is
the real `handraise serve` (its web servers and the worker) on a fresh database, with
`HANDRAISE_EMAIL_URL` pointing at an SMTP server (aiosmtpd) that this benchmark
runs on 127.0.0.1. Acknowledgements are matched to posts by recipient address,
each enquirer's address being unique.

**Reference.** The same SMTP server accepting a message sent straight to it with
`smtplib` from the benchmark ({reference} messages at the same rate, each on a
new connection as Handraise's sender does), measured from opening the connection
to the server's acceptance. The ratio is the hand-raise's p99 over that: what
Handraise adds on top of handing one message to the mail server.

**Where the time goes.** The table also splits the path using the rows Handraise
wrote (when the submission was stored, the enquiry created, the acknowledgement
sent) and the worker's own record of how long each send task ran.

**How.** Open loop, as in benchmark 2; {warm_up} warm-up posts (acknowledged before
the measurement starts) are not counted. An acknowledgement that has not arrived
{wait:.0f} s after the last post counts as never; a failed post counts as never too.
`HANDRAISE_INTAKE_RATE_LIMIT` is `{rate_limit}`, as in benchmark 1.

**Not measured.** Delivery beyond this first mail server, and the owner's
notification (the fresh database has no users to notify).
"""


class Mailbox:
    """An SMTP server's handler that notes when each recipient's mail was accepted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accepted: dict[str, list[float]] = defaultdict(list)

    async def handle_DATA(self, server, session, envelope) -> str:
        moment = time.perf_counter()
        with self._lock:
            for recipient in envelope.rcpt_tos:
                self._accepted[recipient.lower()].append(moment)
        return "250 Message accepted for delivery"

    def accepted(self, recipient: str) -> list[float]:
        with self._lock:
            return list(self._accepted.get(recipient.lower(), ()))

    def count(self, recipients: list[str]) -> int:
        with self._lock:
            return sum(1 for recipient in recipients if self._accepted.get(recipient))


def run(run: Run) -> Section:
    sizes = run.sizes
    section = Section(
        key="acknowledgement",
        title="3. From submission to acknowledgement",
        method=METHOD.format(
            rate=sizes.ack_rate,
            seconds=sizes.ack_seconds,
            reference=_reference_count(run),
            warm_up=WARM_UP_POSTS,
            wait=sizes.ack_wait_seconds,
            rate_limit=RATE_LIMIT,
        ),
    )
    run.on_each_database(section, lambda database: _measure(run, section, database))
    return section


def _reference_count(run: Run) -> int:
    return max(50, round(run.sizes.ack_rate * run.sizes.ack_seconds / 3))


def _measure(run: Run, section: Section, database: ScratchDatabase) -> None:
    sizes, label = run.sizes, database.label
    people = People(run.seed + 2)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        run.progress(f"acknowledgement on {label}: reference, smtplib straight to the server")
        reference = _send_directly(mailbox, controller.port, run, _reference_count(run))

        env = {
            **database.env,
            "HANDRAISE_EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
            "HANDRAISE_INTAKE_RATE_LIMIT": RATE_LIMIT,
        }
        log = run.log_path(f"acknowledgement-{database.kind}")
        run.progress(f"acknowledgement on {label}: starting handraise serve (web and worker)")
        with handraise_serve(
            env=env, log=log, settings_module="handraise.settings", worker=True
        ) as server:
            run.progress(f"acknowledgement on {label}: warming up with {WARM_UP_POSTS} posts")
            warm_up = _post(run, people, server.port, rate=5, seconds=WARM_UP_POSTS / 5)
            _wait_for(run, label, mailbox, warm_up, deadline=time.perf_counter() + 60)
            run.progress(
                f"acknowledgement on {label}: {sizes.ack_rate:.0f} posts/s for "
                f"{sizes.ack_seconds:.0f} s"
            )
            posts = _post(run, people, server.port, rate=sizes.ack_rate, seconds=sizes.ack_seconds)
            last_post = max(outcome.started for outcome in posts.outcomes)
            _wait_for(run, label, mailbox, posts, deadline=last_post + sizes.ack_wait_seconds)
    finally:
        controller.stop()
    stages = _stages(database, {outcome.key for outcome in posts.outcomes})
    _report(run, section, label, posts, mailbox, reference, stages)


def _report(
    run: Run,
    section: Section,
    label: str,
    posts: LoadResult,
    mailbox: Mailbox,
    reference: Spread,
    stages: dict[str, Spread],
) -> None:
    sizes = run.sizes
    hand_raise, duplicates = [], 0
    for outcome in posts.outcomes:
        accepted = mailbox.accepted(outcome.key) if outcome.status == 303 else []
        duplicates += max(0, len(accepted) - 1)
        hand_raise.append(min(accepted) - outcome.started if accepted else math.inf)
    spread = Spread.of(hand_raise)
    answers = Spread.of(posts.latencies(303))
    figure = ratio(spread.p99, reference.p99)
    section.rows.append(
        Row(
            benchmark=f"Post → acknowledgement p99 at {sizes.ack_rate:.0f}/s",
            database=label,
            figure=milliseconds(spread.p99),
            reference=f"{milliseconds(reference.p99)} (smtplib straight to the server)",
            ratio=figure,
            target=f"p99 < {milliseconds(TARGET_P99)}",
            passed=spread.p99 < TARGET_P99,
        )
    )

    def line(name: str, measured: Spread) -> list[str]:
        return [
            name,
            f"{measured.count:,}",
            milliseconds(measured.p50),
            milliseconds(measured.p95),
            milliseconds(measured.p99),
            milliseconds(measured.worst),
            str(measured.failed),
        ]

    section.tables.append(
        Table(
            caption=f"{label}: {sizes.ack_rate:.0f} posts/s for {sizes.ack_seconds:.0f} s",
            headers=["Measured", "Count", "p50", "p95", "p99", "Worst", "Never"],
            rows=[
                line("post → acknowledgement accepted", spread),
                line("post → its 303 answer (worker running)", answers),
                line("stored → enquiry created (poll wait, processing)", stages["processing"]),
                line("enquiry created → acknowledgement sent", stages["sending"]),
                line("worker: one send_email task", stages["send_email"]),
                line("reference: smtplib → accepted", reference),
            ],
        )
    )
    section.notes.append(
        f"{label}: {spread.count - spread.failed:,} of {spread.count:,} enquirers got their "
        f"acknowledgement; {duplicates} got more than one."
    )


# Where the time goes, from the rows Handraise wrote: the submission's receipt, the
# enquiry's creation by the worker, and the outbox's record of the send.
STAGES_QUERY = """
SELECT o."to", s.received_at, e.created_at, o.sent_at
FROM core_outgoingemail o
JOIN enquiries_enquiry e ON o."key" = 'ack:enquiry:' || e.id
JOIN enquiries_submission s ON s.enquiry_id = e.id
WHERE o.kind = 'acknowledgement'
"""


TASKS_QUERY = """
SELECT task_path, started_at, finished_at
FROM django_tasks_database_dbtaskresult
WHERE finished_at IS NOT NULL
"""


def _stages(database: ScratchDatabase, recipients: set[str]) -> dict[str, Spread]:
    processing, sending = [], []
    for to, received, created, sent in database.fetch(STAGES_QUERY):
        if to not in recipients:
            continue  # a warm-up post
        received, created = _moment(received), _moment(created)
        processing.append((created - received).total_seconds())
        sending.append((_moment(sent) - created).total_seconds() if sent else math.inf)
    # How long the worker spent on each task, warm-up included.
    runs: dict[str, list[float]] = defaultdict(list)
    for path, started, finished in database.fetch(TASKS_QUERY):
        runs[path.rpartition(".")[2]].append((_moment(finished) - _moment(started)).total_seconds())
    return {
        "processing": Spread.of(processing),
        "sending": Spread.of(sending),
        "send_email": Spread.of(runs["send_email"]),
    }


def _moment(value) -> datetime.datetime:
    # PostgreSQL gives aware datetimes; SQLite gives Django's text, in UTC.
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


def _post(run: Run, people: People, port: int, *, rate: float, seconds: float) -> LoadResult:
    def next_post() -> Request:
        email, body = people.enquiry_form_post(run.tag)
        return Request(INTAKE, body, key=email)

    return asyncio.run(
        at_constant_rate(
            "127.0.0.1", port, next_post, per_second=rate, seconds=seconds, expected_status=303
        )
    )


def _wait_for(run: Run, label: str, mailbox: Mailbox, posts: LoadResult, deadline: float) -> None:
    recipients = [outcome.key for outcome in posts.outcomes if outcome.status == 303]
    next_report = time.perf_counter() + 5
    while time.perf_counter() < deadline:
        arrived = mailbox.count(recipients)
        if arrived == len(recipients):
            return
        if time.perf_counter() >= next_report:
            run.progress(
                f"acknowledgement on {label}: {arrived:,} of {len(recipients):,} "
                "acknowledgements accepted so far"
            )
            next_report += 5
        time.sleep(0.05)
    run.progress(f"acknowledgement on {label}: stopped waiting; some acknowledgements never came")


def _send_directly(mailbox: Mailbox, port: int, run: Run, count: int) -> Spread:
    """Send ``count`` messages at the benchmark's rate with smtplib, one connection each."""
    interval = 1 / run.sizes.ack_rate
    people = People(run.seed + 3)
    durations = []
    begin = time.perf_counter()
    for index in range(count):
        delay = begin + index * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        recipient = f"reference.{run.tag}.{index}@example.com"
        message = EmailMessage()
        message["From"] = "Handraise <handraise@127.0.0.1>"
        message["To"] = recipient
        message["Subject"] = "Thanks for getting in touch, Ada"
        message.set_content(
            "Hello Ada,\n\nThank you for your message. It has reached us, and one of us "
            "will reply personally within 60 minutes during our working hours.\n\n"
            f"You wrote:\n{people.message()}\n\nBest wishes,\nMy business\n"
        )
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as connection:
            connection.send_message(message)
        accepted = mailbox.accepted(recipient)
        durations.append(accepted[0] - started if accepted else math.inf)
    return Spread.of(durations)

"""Group commit: many request threads' small writes made as one, each thread answered
only once its own row is committed.

The site script's events arrive a thousand a second, each one row. Written one
by one, each is a transaction of its own: on SQLite the writers queue for its one
write lock (and sleep in its busy handler while they wait), on PostgreSQL each
waits for its own flush of the log. Here the first thread to arrive becomes the
leader: it writes every row waiting at that moment in one statement, on its own
connection, then wakes the others, whose rows are now committed. Threads that
arrive while it writes queue for the next leader. A single thread (a test, a
quiet site) is always its own leader and writes its row at once, in its own
transaction, so nothing waits for a timer.

What it does not do: retry, or keep rows anywhere but in memory while they wait.
A write that fails fails for every row in that batch; each waiting thread gets
the error and answers it (the rows were never acknowledged, so nothing answered
with success is lost). It runs inside one process: other processes have their
own leaders.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class _Waiting:
    row: Sequence
    done: bool = False
    error: BaseException | None = None


@dataclass
class GroupCommit:
    """``submit(row)`` returns once ``write`` has committed a batch holding ``row``."""

    write: Callable[[list[Sequence]], None]
    _ready: threading.Condition = field(default_factory=threading.Condition, init=False)
    _queue: list[_Waiting] = field(default_factory=list, init=False)
    _writing: bool = field(default=False, init=False)

    def submit(self, row: Sequence) -> None:
        mine = _Waiting(row)
        with self._ready:
            self._queue.append(mine)
            while self._writing and not mine.done:
                self._ready.wait()
            if mine.done:
                if mine.error is not None:
                    raise mine.error
                return
            # Nobody is writing and this row is still waiting: lead the next batch, all of
            # the queue (at most one row a thread: each waits for its own).
            batch, self._queue = self._queue, []
            self._writing = True
        error: BaseException | None = None
        try:
            self.write([waiting.row for waiting in batch])
        except BaseException as failure:  # every waiter must hear of it, whatever it is
            error = failure
        finally:
            with self._ready:
                for waiting in batch:
                    waiting.done, waiting.error = True, error
                self._writing = False
                self._ready.notify_all()
        if error is not None:
            raise error

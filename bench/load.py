"""A small HTTP/1.1 load generator on asyncio, for servers on this machine only.

Two shapes of load:

- ``saturate`` (closed loop): a fixed number of keep-alive connections, each
  sending its next request as soon as the previous answer arrived. It finds the
  most requests per second a server completes.
- ``at_constant_rate`` (open loop): requests start on a fixed schedule whatever
  the server does, each on its own connection (every enquirer is a different
  visitor). A slow answer cannot hold the next request back, so queueing shows
  up in the latency instead of being hidden ("coordinated omission"); latency is
  counted from the scheduled start, not from when the client got round to it.

It speaks only what the benchmarks need: POST of a url-encoded body (or a GET), answers
framed by Content-Length or chunked. It is not a general HTTP client, and it
refuses to send anywhere but a loopback address.
"""

import asyncio
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    key: str = ""  # what the caller recognises this request by, e.g. the enquirer's email
    method: str = "POST"  # or "GET", which sends no body
    user_agent: str = "handraise-bench"
    origin: str = ""  # sent as the Origin header when set, as a browser's beacon does


@dataclass(frozen=True)
class Outcome:
    key: str
    started: float  # time.perf_counter() at the (scheduled) start
    latency: float  # seconds; math.inf when no good answer came
    status: int  # 0 when there was no answer at all


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0  # the measured window
    client_cpu_seconds: float = 0.0  # this process's CPU time during the window
    late_starts: int = 0  # open loop: requests the client started >10 ms after schedule

    def completed(self, expected_status: int) -> int:
        return sum(1 for o in self.outcomes if o.status == expected_status)

    def per_second(self, expected_status: int) -> float:
        return self.completed(expected_status) / self.seconds if self.seconds else math.nan

    def latencies(self, expected_status: int) -> list[float]:
        return [o.latency if o.status == expected_status else math.inf for o in self.outcomes]


class ProtocolError(Exception):
    pass


# What a request can fail with; it then counts as failed (infinitely slow), never crashes the run.
FAILURES = (
    OSError,
    TimeoutError,
    ValueError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    ProtocolError,
)


def require_loopback(host: str) -> None:
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the load generator only targets this machine, not {host}")


class Connection:
    """One HTTP/1.1 connection that can carry several requests (keep-alive)."""

    def __init__(self, host: str, port: int) -> None:
        require_loopback(host)
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, request: Request, *, keep_alive: bool) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        body = (
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(request.body)}\r\n"
            if request.method == "POST"
            else ""
        )
        origin = f"Origin: {request.origin}\r\n" if request.origin else ""
        head = (
            f"{request.method} {request.path} HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            f"{body}"
            f"User-Agent: {request.user_agent}\r\n"
            f"{origin}"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        )
        self.writer.write(head.encode() + (request.body if request.method == "POST" else b""))
        await self.writer.drain()
        status, server_keeps_it = await self._read_answer()
        if not (keep_alive and server_keeps_it):
            self.close()
        return status

    async def _read_answer(self) -> tuple[int, bool]:
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = raw.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise ProtocolError(f"not an HTTP answer: {status_line!r}")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            await self._skip_chunked_body()
        elif "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        else:
            await self.reader.read()  # framed by closing the connection
            return int(parts[1]), False
        return int(parts[1]), headers.get("connection", "").lower() != "close"

    async def _skip_chunked_body(self) -> None:
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            await self.reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:
                return

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def saturate(
    host: str,
    port: int,
    next_request: Callable[[], Request],
    *,
    connections: int,
    seconds: float,
    expected_status: int,
) -> LoadResult:
    """Closed loop: ``connections`` clients, each sending back to back, for ``seconds``."""
    result = LoadResult()
    cpu_before = time.process_time()
    start = time.perf_counter()
    deadline = start + seconds

    async def client() -> None:
        connection = Connection(host, port)
        try:
            while time.perf_counter() < deadline:
                request = next_request()
                began = time.perf_counter()
                try:
                    status = await asyncio.wait_for(
                        connection.post(request, keep_alive=True), REQUEST_TIMEOUT
                    )
                except FAILURES:
                    connection.close()
                    status = 0
                ended = time.perf_counter()
                if ended <= deadline:  # an answer after the window is not counted
                    latency = ended - began if status == expected_status else math.inf
                    result.outcomes.append(Outcome(request.key, began, latency, status))
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    result.seconds = seconds
    result.client_cpu_seconds = time.process_time() - cpu_before
    return result


async def at_constant_rate(
    host: str,
    port: int,
    next_request: Callable[[], Request],
    *,
    per_second: float,
    seconds: float,
    expected_status: int,
) -> LoadResult:
    """Open loop: start ``per_second`` requests a second for ``seconds``, on schedule."""
    result = LoadResult()
    cpu_before = time.process_time()
    begin = time.perf_counter() + 0.05
    total = round(per_second * seconds)

    async def one(request: Request, scheduled: float) -> None:
        connection = Connection(host, port)
        try:
            status = await asyncio.wait_for(
                connection.post(request, keep_alive=False), REQUEST_TIMEOUT
            )
        except FAILURES:
            status = 0
        finally:
            connection.close()
        latency = time.perf_counter() - scheduled if status == expected_status else math.inf
        result.outcomes.append(Outcome(request.key, scheduled, latency, status))

    tasks = []
    for index in range(total):
        scheduled = begin + index / per_second
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.010:
            result.late_starts += 1
        tasks.append(asyncio.create_task(one(next_request(), scheduled)))
    await asyncio.gather(*tasks)
    result.seconds = seconds
    result.client_cpu_seconds = time.process_time() - cpu_before
    return result

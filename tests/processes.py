"""Running ``handraise`` as a child process, the way a user runs it."""

import socket
import subprocess
import sys


def run_handraise(env: dict, *args: str, input: str | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "handraise", *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

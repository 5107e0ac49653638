"""The customer's own website, as a newcomer builds it: static HTML on another origin.

A tiny ``http.server`` on loopback, on a port of its own, so the browser treats
it as a different site from Handraise, exactly as www.example.com would be.
"""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Contact · Acme Studio</title>
</head>
<body>
<main>
<h1>Talk to Acme Studio</h1>
<p>Tell us about your project and we will get back to you.</p>
{snippet}
{script}
</main>
</body>
</html>
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # the test output stays readable
        pass


class CustomerSite:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish_contact_page(self, snippet: str, script: str = "", name: str = "contact.html"):
        """Paste the snippet (and optionally the script tag) into a page; return its URL."""
        (self.root / name).write_text(PAGE.format(snippet=snippet, script=script))
        return f"{self.origin}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

"""Reading a page as a person does: its words, without the markup."""

import html
import re


def text(response) -> str:
    """The page's words, tags removed, entities read and spaces collapsed."""
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words)).strip()

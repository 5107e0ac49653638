"""Whether a request's user agent is a robot, by crawlerdetect's maintained list.

Robots (search crawlers, link previewers in chat and mail apps, uptime checks,
``curl``) follow tracked links and load pages like anyone; counting them would
inflate reach. They are still answered, only not recorded.

What it does not do: catch a robot that claims to be a browser. No user agent at
all counts as a robot: every browser sends one.
"""

from crawlerdetect import CrawlerDetect

# Longer than any browser's; crawlerdetect's pattern is one big alternation, so a
# hostile megabyte of header would cost time for nothing.
USER_AGENT_MAX = 1000

# One detector per process: it keeps the last thousand answers (its own cache), and
# the only state it changes per call is a note of the last match, which is unread.
_detector = CrawlerDetect()


def is_bot(user_agent: str) -> bool:
    """True for a known robot's user agent, and for none at all."""
    agent = user_agent.strip()[:USER_AGENT_MAX]
    if not agent:
        return True
    return _detector.is_crawler(agent)

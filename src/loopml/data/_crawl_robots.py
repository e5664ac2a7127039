"""robots.txt: fetched once per host, read with ``urllib.robotparser``, never optional.

How an answer is read (as RFC 9309 and the big crawlers do): 2xx is parsed; 401 and 403 mean
"nothing may be fetched"; any other 4xx means "no rules, everything may be fetched"; a 5xx after
the retries, or a robots.txt we cannot reach, means "nothing may be fetched" (we cannot know the
rules, so we assume the strictest). Redirects are followed only within the allowed domains.

``urllib.robotparser`` reads only whole-second ``Crawl-delay`` values; a fractional one
(``Crawl-delay: 0.5``) is rounded up before parsing, so it is honoured rather than ignored.
Its rule matching is by path prefix, first matching rule first, and knows no ``*`` or ``$``
wildcards inside paths.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from loopml.core import ConfigurationError
from loopml.data._http_fetch import HostPacer, RetryPolicy, fetch, redirect_target

MAX_ROBOTS_BYTES = 500 * 1024  # what Google reads at most; the rest is ignored
_MAX_REDIRECTS = 5
_FRACTIONAL_DELAY = re.compile(r"^(\s*crawl-delay\s*:\s*)(\d*\.\d+)(.*)$", re.IGNORECASE)


class RobotsRefusedError(ConfigurationError):
    """The site's robots.txt does not allow loopml's user agent to fetch the URL."""


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one host, and how they were obtained (for the source record)."""

    robots_url: str
    outcome: str  # "parsed", "absent (HTTP 404)", "refused (HTTP 403)", "unreadable (...)"
    parser: RobotFileParser

    def allows(self, url: str, user_agent: str) -> bool:
        """Whether ``user_agent`` may fetch ``url``."""
        return bool(self.parser.can_fetch(user_agent, url))

    def delay_s(self, user_agent: str) -> float:
        """Seconds asked for between requests (``Crawl-delay`` or ``Request-rate``), 0 if none."""
        delay = self.parser.crawl_delay(user_agent)
        rate = self.parser.request_rate(user_agent)
        from_rate = rate.seconds / rate.requests if rate and rate.requests > 0 else 0.0
        return max(float(delay or 0), from_rate)


def robots_url_of(url: str) -> str:
    """``scheme://host[:port]/robots.txt`` for any URL on that host."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def read_robots(
    client: httpx.Client,
    page_url: str,
    *,
    retry: RetryPolicy,
    pacer: HostPacer,
    may_visit: Callable[[str], bool],
) -> RobotsRules:
    """Fetch and parse the robots.txt that governs ``page_url``.

    Raises:
        FetchError: the host cannot be reached at all.
    """
    robots_url = robots_url_of(page_url)
    current = robots_url
    for _ in range(_MAX_REDIRECTS + 1):
        fetched = fetch(client, current, retry=retry, pacer=pacer, max_bytes=MAX_ROBOTS_BYTES)
        target = redirect_target(fetched, current)
        if target is None:
            break
        if not may_visit(target):
            return fixed_rules(robots_url, f"unreadable (redirects off-site to {target})")
        current = target
    else:
        return fixed_rules(robots_url, "unreadable (too many redirects)")
    status = fetched.status
    if 200 <= status < 300:
        parser = RobotFileParser(robots_url)
        # a longer file is read up to the limit, as Google does
        parser.parse(_whole_second_delays(fetched.content.decode("utf-8", errors="replace")))
        return RobotsRules(robots_url, "parsed", parser)
    if status in (401, 403):
        return fixed_rules(robots_url, f"refused (HTTP {status})")
    if 400 <= status < 500:
        return fixed_rules(robots_url, f"absent (HTTP {status})", allow_all=True)
    return fixed_rules(robots_url, f"unreadable (HTTP {status})")


def fixed_rules(robots_url: str, outcome: str, *, allow_all: bool = False) -> RobotsRules:
    """Rules that allow everything (no robots.txt) or nothing (it cannot be read)."""
    parser = RobotFileParser(robots_url)
    parser.parse([] if allow_all else ["User-agent: *", "Disallow: /"])
    return RobotsRules(robots_url, outcome, parser)


def _whole_second_delays(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        match = _FRACTIONAL_DELAY.match(line)
        if match:
            line = f"{match.group(1)}{math.ceil(float(match.group(2)))}{match.group(3)}"
        lines.append(line)
    return lines

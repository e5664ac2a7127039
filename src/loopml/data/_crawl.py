"""Polite web collection: a breadth-first crawl that obeys robots.txt, then one dataset version.

Politeness is not optional: robots.txt is read for every host before its first page and always
obeyed (there is no switch to turn it off); ``Crawl-delay`` / ``Request-rate`` and a minimum
delay between two requests to one host are kept; only the allowed domains are visited; every
request says who is asking (``User-Agent``); pages, depth and bytes per page are bounded.

The crawl is collected in memory and logged with one :func:`log_dataset` call: a crawl that
fails (unreachable start URL, robots.txt refusal, nothing extracted) records nothing.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyarrow as pa

from loopml.core import InvalidValueError, now_ms
from loopml.data._crawl_extract import (
    check_selector,
    field_row,
    field_selectors,
    meta_robots,
    normalize_url,
    page_links,
    parse_html,
    table_rows,
    title_and_text,
)
from loopml.data._crawl_robots import (
    RobotsRefusedError,
    RobotsRules,
    fixed_rules,
    read_robots,
    robots_url_of,
)
from loopml.data._datasets import DatasetVersion, check_dataset_name, log_dataset
from loopml.data._http import default_user_agent
from loopml.data._http_fetch import (
    Fetched,
    FetchError,
    HostPacer,
    RetryPolicy,
    check_http_url,
    fetch,
    host_of,
    mask_url,
    redirect_target,
)
from loopml.store import Stores

PAGE_URL_COLUMN = "page_url"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MAX_EXAMPLES = 20


@dataclass
class CrawlCounts:
    """What the crawl did and what it left out, and why (recorded in the version's source)."""

    page_requests: int = 0
    pages_parsed: int = 0
    redirects: int = 0
    skipped_robots: int = 0
    skipped_off_domain: int = 0
    skipped_not_http: int = 0
    skipped_max_depth: int = 0
    skipped_not_html: int = 0
    skipped_too_large: int = 0
    skipped_noindex: int = 0
    failed_http: int = 0
    failed_network: int = 0
    left_at_max_pages: int = 0
    robots_disallowed_examples: list[str] = field(default_factory=list)

    def warnings(self, max_pages: int) -> list[str]:
        """What a user should know about what was left out, one sentence each."""
        notes = []
        if self.skipped_robots:
            notes.append(f"{self.skipped_robots} URL(s) disallowed by robots.txt were not fetched")
        if self.left_at_max_pages:
            notes.append(
                f"stopped at max_pages={max_pages} with {self.left_at_max_pages} URL(s) not visited"
            )
        if self.failed_http or self.failed_network:
            notes.append(
                f"{self.failed_http} page(s) answered an HTTP error and "
                f"{self.failed_network} could not be reached"
            )
        if self.skipped_too_large:
            notes.append(f"{self.skipped_too_large} page(s) over max_bytes_per_page were skipped")
        return notes

    def summary(self) -> str:
        """The non-zero counts, for a message: ``pages_parsed=3, skipped_robots=2``."""
        counts = {k: v for k, v in asdict(self).items() if isinstance(v, int) and v}
        return ", ".join(f"{k}={v}" for k, v in counts.items()) or "nothing fetched"


@dataclass(frozen=True)
class _Options:
    user_agent: str
    allowed_domains: tuple[str, ...]
    max_pages: int
    max_depth: int
    follow: str | None
    max_bytes_per_page: int
    page_to_rows: Callable[[Any], list[dict[str, str | None]]]


def crawl(
    start_url: str,
    *,
    name: str,
    allowed_domains: Sequence[str] | str | None = None,
    user_agent: str | None = None,
    max_pages: int = 100,
    max_depth: int = 2,
    follow: str | None = "a[href]",
    extract: Mapping[str, str] | None = None,
    table_selector: str | None = None,
    min_delay_s: float = 1.0,
    max_bytes_per_page: int = 5_000_000,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    parents: Sequence[DatasetVersion | str] = (),
    description: str = "",
    stores: Stores | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> DatasetVersion:
    """Crawl a site from ``start_url`` and store what was extracted as a version of ``name``.

    What becomes rows (each with a ``page_url`` column first):

    - ``extract={"title": "h1", "price": ".price", "link": "a.more@href"}``: one row per page,
      each column the text of the first element matching its selector (``@attr`` takes an
      attribute instead); pages where no selector matches give no row.
    - ``table_selector="table.data"``: the rows of every matching table, named by its header.
    - neither: one row per page with its ``title`` and visible ``text``.

    Args:
        allowed_domains: hosts that may be visited, each with its subdomains (default: the
            start URL's host). Links elsewhere are counted and skipped.
        user_agent: sent with every request and matched against robots.txt groups.
        max_pages: at most this many page requests (robots.txt requests not counted).
        max_depth: how many links away from the start page to go (0: the start page only).
        follow: CSS selector of the links to follow (their ``href``); None follows nothing.
        min_delay_s: at least this many seconds between two requests to one host; a longer
            ``Crawl-delay`` or ``Request-rate`` in robots.txt wins.
        max_bytes_per_page: a longer page is skipped (and counted), not parsed.
        on_page: called with (pages parsed, rows so far) after each page, for progress.

    Raises:
        InvalidValueError: a bad argument (URL, selector, bounds), or the crawl gave no rows.
        RobotsRefusedError: robots.txt does not allow fetching the start URL.
        FetchError: the start URL is unreachable or answers with an HTTP error.
    """
    options = _options(
        start_url,
        name=name,
        allowed_domains=allowed_domains,
        user_agent=user_agent,
        max_pages=max_pages,
        max_depth=max_depth,
        follow=follow,
        extract=extract,
        table_selector=table_selector,
        max_bytes_per_page=max_bytes_per_page,
    )
    if not isinstance(min_delay_s, int | float) or min_delay_s < 0:
        raise InvalidValueError(f"min_delay_s must be a number >= 0, not {min_delay_s!r}")
    if not isinstance(timeout, int | float) or not timeout > 0:
        raise InvalidValueError(f"timeout must be > 0 seconds, not {timeout!r}")
    started_at = now_ms()
    start = normalize_url(start_url)
    assert start is not None  # checked by _options
    with httpx.Client(headers={"User-Agent": options.user_agent}, timeout=timeout) as client:
        crawler = _Crawler(client, options, retry or RetryPolicy(), HostPacer(min_delay_s))
        rows = crawler.run(start, on_page)
    if not rows:
        raise InvalidValueError(
            f"the crawl from {mask_url(start)} gave no rows ({crawler.counts.summary()}); "
            "check the selectors and the bounds"
        )
    source = {
        "kind": "web",
        "url": mask_url(start),
        "allowed_domains": list(options.allowed_domains),
        "user_agent": options.user_agent,
        "max_pages": options.max_pages,
        "max_depth": options.max_depth,
        "follow": options.follow,
        "extract": dict(extract) if extract else None,
        "table_selector": table_selector,
        "min_delay_s": min_delay_s,
        "rows": len(rows),
        **asdict(crawler.counts),
        "complete": crawler.counts.left_at_max_pages == 0,
        "robots": crawler.robots_summary(),
        "warnings": crawler.counts.warnings(options.max_pages),
        "responses_sha256": crawler.raw.hexdigest(),
        "started_at": started_at,
        "finished_at": now_ms(),
    }
    return log_dataset(
        _rows_to_table(rows),
        name=name,
        source=source,
        parents=parents,
        description=description,
        stores=stores,
    )


def _options(
    start_url: str,
    *,
    name: str,
    allowed_domains: Sequence[str] | str | None,
    user_agent: str | None,
    max_pages: int,
    max_depth: int,
    follow: str | None,
    extract: Mapping[str, str] | None,
    table_selector: str | None,
    max_bytes_per_page: int,
) -> _Options:
    check_http_url(start_url, what="start URL")
    check_dataset_name(name)  # before any request, not after the last page
    start_host = (urlsplit(start_url).hostname or "").lower()
    if allowed_domains is None:
        domains: tuple[str, ...] = (start_host,)
    else:
        given = [allowed_domains] if isinstance(allowed_domains, str) else list(allowed_domains)
        if not given or not all(isinstance(d, str) and d.strip(" .") for d in given):
            raise InvalidValueError(f"allowed_domains must be host names, not {allowed_domains!r}")
        domains = tuple(d.strip(" .").lower() for d in given)
    if not _on_domains(start_host, domains):
        raise InvalidValueError(
            f"the start URL's host {start_host!r} is not in allowed_domains {list(domains)}"
        )
    for label, value in (("max_pages", max_pages), ("max_bytes_per_page", max_bytes_per_page)):
        if not isinstance(value, int) or value < 1:
            raise InvalidValueError(f"{label} must be an integer >= 1, not {value!r}")
    if not isinstance(max_depth, int) or max_depth < 0:
        raise InvalidValueError(f"max_depth must be an integer >= 0, not {max_depth!r}")
    if follow is not None:
        check_selector(follow, what="follow")
    agent = default_user_agent() if user_agent is None else user_agent
    if not isinstance(agent, str) or not agent.strip():
        raise InvalidValueError("user_agent must say who is crawling; it cannot be empty")
    if extract is not None and table_selector is not None:
        raise InvalidValueError("give extract (one row per page) or table_selector, not both")
    page_to_rows: Callable[[Any], list[dict[str, str | None]]]
    if table_selector is not None:
        selector = check_selector(table_selector, what="table_selector")
        page_to_rows = lambda soup: table_rows(soup, selector)  # noqa: E731
    elif extract is not None:
        fields = field_selectors(extract)
        if any(f.column == PAGE_URL_COLUMN for f in fields):
            raise InvalidValueError(f"{PAGE_URL_COLUMN!r} is the crawler's own column; rename it")
        page_to_rows = lambda soup: _nonempty([field_row(soup, fields)])  # noqa: E731
    else:
        page_to_rows = lambda soup: [title_and_text(soup)]  # noqa: E731
    return _Options(agent, domains, max_pages, max_depth, follow, max_bytes_per_page, page_to_rows)


class _Crawler:
    """The state of one crawl: the frontier, the robots rules per host, the counts."""

    def __init__(
        self, client: httpx.Client, options: _Options, retry: RetryPolicy, pacer: HostPacer
    ) -> None:
        self.client = client
        self.options = options
        self.retry = retry
        self.pacer = pacer
        self.counts = CrawlCounts()
        self.raw = hashlib.sha256()
        self.robots: dict[str, RobotsRules] = {}
        self.frontier: deque[tuple[str, int]] = deque()
        self.seen: set[str] = set()

    def run(
        self, start: str, on_page: Callable[[int, int], None] | None
    ) -> list[dict[str, str | None]]:
        rules = self._robots_for(start, required=True)
        if not rules.allows(start, self.options.user_agent):
            raise RobotsRefusedError(
                f"{rules.robots_url} does not allow user agent {self.options.user_agent!r} to "
                f"fetch {mask_url(start)} (robots.txt {rules.outcome})"
            )
        self.seen.add(start)
        self.frontier.append((start, 0))
        rows: list[dict[str, str | None]] = []
        while self.frontier:
            if self.counts.page_requests >= self.options.max_pages:
                self.counts.left_at_max_pages = len(self.frontier)
                break
            url, depth = self.frontier.popleft()
            page_rows = self._visit(url, depth, is_start=url == start)
            if page_rows is None:
                continue
            rows.extend({PAGE_URL_COLUMN: mask_url(url), **_renamed(row)} for row in page_rows)
            if on_page is not None:
                on_page(self.counts.pages_parsed, len(rows))
        return rows

    def robots_summary(self) -> dict[str, dict[str, Any]]:
        """Per host: where robots.txt was, what it said, and the delay kept."""
        return {
            host: {
                "url": rules.robots_url,
                "outcome": rules.outcome,
                "delay_s": self.pacer.interval(host),
            }
            for host, rules in self.robots.items()
        }

    def _visit(self, url: str, depth: int, *, is_start: bool) -> list[dict[str, str | None]] | None:
        """Fetch one page and return its rows; None when it gives none (skipped, counted)."""
        agent = self.options.user_agent
        if not self._robots_for(url, required=is_start).allows(url, agent):
            self.counts.skipped_robots += 1
            if len(self.counts.robots_disallowed_examples) < _MAX_EXAMPLES:
                self.counts.robots_disallowed_examples.append(mask_url(url))
            return None
        self.counts.page_requests += 1
        try:
            fetched = fetch(
                self.client,
                url,
                retry=self.retry,
                pacer=self.pacer,
                max_bytes=self.options.max_bytes_per_page,
            )
        except FetchError:
            if is_start:
                raise
            self.counts.failed_network += 1
            return None
        target = redirect_target(fetched, url)
        if target is not None:
            self.counts.redirects += 1
            self._enqueue(target, depth, first=True)
            return None
        if not self._usable(fetched, url, is_start=is_start):
            return None
        self.raw.update(fetched.content)
        self.counts.pages_parsed += 1
        soup = parse_html(fetched.content, fetched.response.headers.get("content-type"))
        directives = meta_robots(soup, agent)
        if self.options.follow and "nofollow" not in directives:
            for link in page_links(soup, url, self.options.follow):
                self._enqueue(link, depth + 1)
        if "noindex" in directives:
            self.counts.skipped_noindex += 1
            return None
        return self.options.page_to_rows(soup)

    def _usable(self, fetched: Fetched, url: str, *, is_start: bool) -> bool:
        if not 200 <= fetched.status < 300:
            if is_start:
                raise FetchError(
                    f"the start URL {mask_url(url)} answered HTTP {fetched.status} "
                    f"{fetched.response.reason_phrase}",
                    url=mask_url(url),
                    status=fetched.status,
                )
            self.counts.failed_http += 1
            return False
        if fetched.too_large:
            self.counts.skipped_too_large += 1
            return False
        content_type = fetched.response.headers.get("content-type", "").split(";")[0].strip()
        if content_type and content_type.lower() not in _HTML_TYPES:
            self.counts.skipped_not_html += 1
            return False
        return True

    def _enqueue(self, link: str, depth: int, *, first: bool = False) -> None:
        url = normalize_url(link)
        if url is None:
            self.counts.skipped_not_http += 1
            return
        if url in self.seen:
            return
        self.seen.add(url)
        if not _on_domains((urlsplit(url).hostname or "").lower(), self.options.allowed_domains):
            self.counts.skipped_off_domain += 1
        elif depth > self.options.max_depth:
            self.counts.skipped_max_depth += 1
        elif first:
            self.frontier.appendleft((url, depth))
        else:
            self.frontier.append((url, depth))

    def _robots_for(self, url: str, *, required: bool) -> RobotsRules:
        host = host_of(url)
        rules = self.robots.get(host)
        if rules is not None:
            return rules
        try:
            rules = read_robots(
                self.client,
                url,
                retry=self.retry,
                pacer=self.pacer,
                may_visit=self._may_visit,
            )
        except FetchError as exc:
            if required:
                raise FetchError(f"cannot reach {mask_url(url)}: {exc}", url=exc.url) from None
            rules = fixed_rules(robots_url_of(url), f"unreachable ({exc})")
        self.robots[host] = rules
        self.pacer.set_interval(host, rules.delay_s(self.options.user_agent))
        return rules

    def _may_visit(self, url: str) -> bool:
        normalized = normalize_url(url)
        host = (urlsplit(normalized).hostname or "").lower() if normalized else ""
        return bool(host) and _on_domains(host, self.options.allowed_domains)


def _on_domains(host: str, domains: Sequence[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _nonempty(rows: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    return [row for row in rows if any(value is not None for value in row.values())]


def _renamed(row: Mapping[str, str | None]) -> dict[str, str | None]:
    # A table header called "page_url" must not overwrite the page's own URL.
    return {(f"{k}_2" if k == PAGE_URL_COLUMN else k): v for k, v in row.items()}


def _rows_to_table(rows: list[dict[str, str | None]]) -> pa.Table:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return pa.table(
        {name: pa.array([row.get(name) for row in rows], type=pa.string()) for name in columns}
    )

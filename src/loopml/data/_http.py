"""HTTP JSON APIs as dataset versions: paginated, rate-limited, retried, authenticated from env.

All pages are fetched before anything is stored, and the version is logged in one call to
:func:`log_dataset`, so an ingest that fails on page 7 records nothing. Secrets stay out of
every record and message: header values come from environment variables and only the variables'
names are recorded; URLs are recorded with credentials and secret query values masked.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from loopml.core import ConfigurationError, InvalidValueError, now_ms
from loopml.data._datasets import DatasetVersion, check_dataset_name, log_dataset
from loopml.data._http_fetch import (
    Fetched,
    FetchError,
    HostPacer,
    RetryPolicy,
    check_http_url,
    fetch,
    mask_url,
    redirect_target,
)
from loopml.data._http_records import records_in_page, records_to_table, value_at
from loopml.store import Stores

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENV_TEMPLATE = re.compile(r"\$\{([^}]*)\}")
_MAX_REDIRECTS = 5


def default_user_agent() -> str:
    """``loopml/<version> (+https://github.com/loopml/loopml)``: who asks, where to read more."""
    from loopml import __version__

    return f"loopml/{__version__} (+https://github.com/loopml/loopml)"


@dataclass(frozen=True)
class PagePagination:
    """``?page=1``, ``?page=2``, ... until a page has no records, or fewer than ``size``."""

    param: str = "page"
    start: int = 1
    size_param: str | None = None
    size: int | None = None

    def __post_init__(self) -> None:
        _check_param(self.param, "param")
        _check_count(self.start, "start", minimum=0)
        if self.size is not None:
            _check_count(self.size, "size", minimum=1)
        if self.size_param is not None:
            _check_param(self.size_param, "size_param")

    def first(self, url: httpx.URL) -> httpx.URL:
        """The first page's URL."""
        if self.size_param and self.size:
            url = url.copy_set_param(self.size_param, self.size)
        return url.copy_set_param(self.param, self.start)

    def next(self, page: _Page) -> httpx.URL | None:
        """The next page's URL, None after the last page."""
        if not page.records or (self.size and len(page.records) < self.size):
            return None
        number = int(page.url.params.get(self.param, self.start))
        return page.url.copy_set_param(self.param, number + 1)


@dataclass(frozen=True)
class OffsetPagination:
    """``?offset=0&limit=100``, ``?offset=100&limit=100``, ... until a short page."""

    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = 100
    start: int = 0

    def __post_init__(self) -> None:
        _check_param(self.offset_param, "offset_param")
        _check_param(self.limit_param, "limit_param")
        _check_count(self.limit, "limit", minimum=1)
        _check_count(self.start, "start", minimum=0)

    def first(self, url: httpx.URL) -> httpx.URL:
        """The first page's URL."""
        return url.copy_set_param(self.offset_param, self.start).copy_set_param(
            self.limit_param, self.limit
        )

    def next(self, page: _Page) -> httpx.URL | None:
        """The next page's URL, None after the last page."""
        if len(page.records) < self.limit:
            return None
        offset = int(page.url.params.get(self.offset_param, self.start))
        return page.url.copy_set_param(self.offset_param, offset + len(page.records))


@dataclass(frozen=True)
class CursorPagination:
    """The next page is asked for with a cursor found in each page (at ``cursor_path``).

    Stops when the cursor is missing, null or empty, or a page has no records.
    """

    cursor_path: str
    param: str = "cursor"

    def __post_init__(self) -> None:
        _check_param(self.cursor_path, "cursor_path")
        _check_param(self.param, "param")

    def first(self, url: httpx.URL) -> httpx.URL:
        """The first page's URL (as given)."""
        return url

    def next(self, page: _Page) -> httpx.URL | None:
        """The next page's URL, None after the last page."""
        try:
            cursor = value_at(page.document, self.cursor_path)
        except KeyError:
            return None
        if cursor in (None, "") or not page.records:
            return None
        if isinstance(cursor, Mapping | list):
            raise InvalidValueError(
                f"{page.where}: the cursor at {self.cursor_path!r} is not a plain value"
            )
        if str(cursor) == page.url.params.get(self.param):
            raise InvalidValueError(
                f"{page.where} returned the cursor it was asked with ({self.param}={cursor}); "
                "stopping instead of asking for the same page forever"
            )
        return page.url.copy_set_param(self.param, cursor)


@dataclass(frozen=True)
class LinkHeaderPagination:
    """Follow the ``Link: <...>; rel="next"`` response header (RFC 8288, as GitHub's API does)."""

    rel: str = "next"

    def first(self, url: httpx.URL) -> httpx.URL:
        """The first page's URL (as given)."""
        return url

    def next(self, page: _Page) -> httpx.URL | None:
        """The next page's URL, None after the last page."""
        link = page.response.links.get(self.rel)
        target = link.get("url") if link else None
        return page.url.join(target) if target else None


Pagination = PagePagination | OffsetPagination | CursorPagination | LinkHeaderPagination
_STYLES = {
    PagePagination: "page",
    OffsetPagination: "offset",
    CursorPagination: "cursor",
    LinkHeaderPagination: "link",
}


@dataclass(frozen=True)
class _Page:
    url: httpx.URL
    where: str
    response: httpx.Response
    document: Any
    records: list[Any]


def ingest_http(
    url: str,
    *,
    name: str,
    records_path: str | None = "data",
    pagination: Pagination | None = None,
    max_pages: int = 1000,
    params: Mapping[str, str | int | float] | None = None,
    headers: Mapping[str, str] | None = None,
    headers_from_env: Mapping[str, str] | None = None,
    rate_limit_per_s: float | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 30.0,
    secret_params: Sequence[str] = (),
    user_agent: str | None = None,
    parents: Sequence[DatasetVersion | str] = (),
    description: str = "",
    stores: Stores | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> DatasetVersion:
    """Fetch every page of a JSON API and store the records as one version of dataset ``name``.

    Args:
        url: the first page, ``http://`` or ``https://``.
        records_path: dotted path to the list of records in each page (``"data"``,
            ``"result.items"``); ``""`` or None when the page itself is the list.
        pagination: how to ask for the next page; None fetches one page.
        max_pages: stop after this many pages (the source records ``complete: false``).
        params: extra query parameters for the first request.
        headers: plain headers (only their names are recorded).
        headers_from_env: header name -> environment variable holding its value, e.g.
            ``{"Authorization": "API_TOKEN"}``, or a template ``"Bearer ${API_TOKEN}"``.
        rate_limit_per_s: at most this many requests per second (retries included).
        retry: retries on 429, 5xx and network failures; default :class:`RetryPolicy()`.
        timeout: seconds to wait for the server at each step of a request.
        secret_params: more query parameter names to mask in the record (credential-looking
            names such as ``token`` and ``api_key`` are masked anyway).
        on_page: called with (pages fetched, records so far) after each page, for progress.

    Returns:
        The new version (or the existing one with identical content). Its ``source`` holds the
        masked URL, the pagination, the page and record counts, whether the last page was
        reached, and the sha256 of the raw response bodies in the order they were fetched.

    Raises:
        InvalidValueError: a bad argument, a page that is not JSON or has no records where
            ``records_path`` says, or no records at all.
        ConfigurationError: an environment variable named in ``headers_from_env`` is not set.
        FetchError: the server is unreachable, kept failing after the retries, or answered
            with a 4xx error.
    """
    check_http_url(url)
    check_dataset_name(name)  # before any request, not after the last page
    if not isinstance(max_pages, int) or max_pages < 1:
        raise InvalidValueError(f"max_pages must be an integer >= 1, not {max_pages!r}")
    if rate_limit_per_s is not None and (
        not isinstance(rate_limit_per_s, int | float) or not rate_limit_per_s > 0
    ):
        raise InvalidValueError(f"rate_limit_per_s must be > 0, not {rate_limit_per_s!r}")
    if not isinstance(timeout, int | float) or not timeout > 0:
        raise InvalidValueError(f"timeout must be > 0 seconds, not {timeout!r}")
    if records_path is not None and not isinstance(records_path, str):
        raise InvalidValueError(f"records_path must be a dotted path string, not {records_path!r}")
    if pagination is not None and type(pagination) not in _STYLES:
        raise InvalidValueError(
            "pagination must be PagePagination, OffsetPagination, CursorPagination or "
            f"LinkHeaderPagination, not {type(pagination).__name__}"
        )
    request_headers = {
        "User-Agent": user_agent or default_user_agent(),
        "Accept": "application/json",
    }
    request_headers.update(headers or {})
    request_headers.update(headers_from_environment(headers_from_env or {}))
    retry = retry or RetryPolicy()
    started_at = now_ms()

    first_url = httpx.URL(url).copy_merge_params(dict(params)) if params else httpx.URL(url)
    if pagination is not None:
        first_url = pagination.first(first_url)
    with httpx.Client(headers=request_headers, timeout=timeout) as client:
        collected = _collect_pages(
            client,
            first_url,
            pagination=pagination,
            max_pages=max_pages,
            records_path=records_path,
            retry=retry,
            pacer=HostPacer(1.0 / rate_limit_per_s if rate_limit_per_s else 0.0),
            secret_params=secret_params,
            on_page=on_page,
        )
    if not collected.records:
        raise InvalidValueError(
            f"{mask_url(first_url, secret_params)} returned no records at records_path "
            f"{records_path!r} in {collected.pages} page(s); nothing to store"
        )
    table = records_to_table(collected.records)
    source: dict[str, Any] = {
        "kind": "http",
        "url": mask_url(first_url, secret_params),
        "records_path": records_path or "",
        "pagination": _describe(pagination),
        "pages": collected.pages,
        "records": len(collected.records),
        "complete": collected.complete,
        "responses_sha256": collected.responses_sha256,
        "header_names": sorted(h for h in (headers or {})),
        "headers_from_env": {h: _env_names(v) for h, v in (headers_from_env or {}).items()},
        "warnings": [] if collected.complete else [_incomplete_warning(max_pages)],
        "started_at": started_at,
        "finished_at": now_ms(),
    }
    return log_dataset(
        table, name=name, source=source, parents=parents, description=description, stores=stores
    )


@dataclass(frozen=True)
class _Collected:
    records: list[Any]
    pages: int
    complete: bool
    responses_sha256: str


def _collect_pages(
    client: httpx.Client,
    first_url: httpx.URL,
    *,
    pagination: Pagination | None,
    max_pages: int,
    records_path: str | None,
    retry: RetryPolicy,
    pacer: HostPacer,
    secret_params: Sequence[str],
    on_page: Callable[[int, int], None] | None,
) -> _Collected:
    """Every page's records, in order; stops at the last page or at ``max_pages``."""
    records: list[Any] = []
    raw = hashlib.sha256()
    pages = 0
    previous_digest: str | None = None
    next_url: httpx.URL | None = first_url
    while next_url is not None:
        if pages == max_pages:
            return _Collected(records, pages, False, raw.hexdigest())
        fetched = _fetch_page(
            client,
            next_url,
            origin=first_url,
            number=pages + 1,
            records_path=records_path,
            retry=retry,
            pacer=pacer,
            secret_params=secret_params,
        )
        page = fetched.page
        pages += 1
        raw.update(fetched.raw)
        digest = hashlib.sha256(fetched.raw).hexdigest()
        if page.records and digest == previous_digest:
            raise InvalidValueError(
                f"{page.where} is identical to the page before it; the API seems to ignore "
                "the pagination parameters (check the pagination settings)"
            )
        previous_digest = digest
        records.extend(page.records)
        if on_page is not None:
            on_page(pages, len(records))
        next_url = pagination.next(page) if pagination is not None else None
        if next_url is not None and not _same_origin(next_url, first_url):
            raise InvalidValueError(
                f"{page.where} points the next page to another site "
                f"({mask_url(next_url, secret_params)}); not sending the request headers there"
            )
    return _Collected(records, pages, True, raw.hexdigest())


@dataclass(frozen=True)
class _FetchedPage:
    page: _Page
    raw: bytes


def _fetch_page(
    client: httpx.Client,
    url: httpx.URL,
    *,
    origin: httpx.URL,
    number: int,
    records_path: str | None,
    retry: RetryPolicy,
    pacer: HostPacer,
    secret_params: Sequence[str],
) -> _FetchedPage:
    where = f"page {number} ({mask_url(url, secret_params)})"
    fetched = _fetch_following_redirects(
        client, url, origin=origin, retry=retry, pacer=pacer, secret_params=secret_params
    )
    if fetched.status >= 400:
        raise FetchError(
            f"{where} answered HTTP {fetched.status} {fetched.response.reason_phrase}"
            f"{_attempts(fetched)}{_status_hint(fetched.status)}",
            url=mask_url(url, secret_params),
            status=fetched.status,
        )
    try:
        document = json.loads(fetched.content)
    except (UnicodeDecodeError, ValueError) as exc:
        content_type = fetched.response.headers.get("content-type", "no content type")
        raise InvalidValueError(
            f"{where} is not JSON ({content_type}): {exc}; starts with {fetched.content[:80]!r}"
        ) from None
    records = records_in_page(document, records_path, where=where)
    return _FetchedPage(_Page(url, where, fetched.response, document, records), fetched.content)


def _fetch_following_redirects(
    client: httpx.Client,
    url: httpx.URL,
    *,
    origin: httpx.URL,
    retry: RetryPolicy,
    pacer: HostPacer,
    secret_params: Sequence[str],
) -> Fetched:
    current = str(url)
    for _ in range(_MAX_REDIRECTS + 1):
        fetched = fetch(client, current, retry=retry, pacer=pacer, secret_params=secret_params)
        target = redirect_target(fetched, current)
        if target is None:
            return fetched
        if not _same_origin(httpx.URL(target), origin):
            raise FetchError(
                f"{mask_url(current, secret_params)} redirects to another site "
                f"({mask_url(target, secret_params)}); not sending the request headers there",
                url=mask_url(current, secret_params),
                status=fetched.status,
            )
        current = target
    raise FetchError(
        f"{mask_url(url, secret_params)} redirected more than {_MAX_REDIRECTS} times",
        url=mask_url(url, secret_params),
    )


def headers_from_environment(spec: Mapping[str, str]) -> dict[str, str]:
    """Header values read from environment variables (``"VAR"`` or ``"Bearer ${VAR}"``).

    Raises:
        InvalidValueError: a malformed variable name.
        ConfigurationError: a variable is not set or empty; the message names the variable,
            never a value.
    """
    values: dict[str, str] = {}
    for header, template in spec.items():
        names = _env_names(template)
        for env_name in names:
            if not os.environ.get(env_name):
                raise ConfigurationError(
                    f"environment variable {env_name} (for the {header} header) is not set"
                )
        if _ENV_TEMPLATE.search(template):
            values[header] = _ENV_TEMPLATE.sub(lambda m: os.environ[m.group(1)], template)
        else:
            values[header] = os.environ[template]
    return values


def _env_names(template: str) -> list[str]:
    names = _ENV_TEMPLATE.findall(template) if "${" in template else [template]
    for env_name in names:
        if not _ENV_NAME.match(env_name):
            raise InvalidValueError(
                f"{env_name!r} is not an environment variable name; headers_from_env maps a "
                "header to a variable name ('API_TOKEN') or a template ('Bearer ${API_TOKEN}')"
            )
    return names


def _check_param(value: object, label: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"{label} must be a non-empty string, not {value!r}")


def _check_count(value: object, label: str, *, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidValueError(f"{label} must be an integer >= {minimum}, not {value!r}")


def _same_origin(url: httpx.URL, origin: httpx.URL) -> bool:
    return (url.scheme, url.host, url.port) == (origin.scheme, origin.host, origin.port)


def _describe(pagination: Pagination | None) -> dict[str, Any]:
    if pagination is None:
        return {"style": "none"}
    return {"style": _STYLES[type(pagination)], **asdict(pagination)}


def _incomplete_warning(max_pages: int) -> str:
    return f"stopped after max_pages={max_pages} pages; the API has more"


def _attempts(fetched: Fetched) -> str:
    return f" after {fetched.attempts} attempts" if fetched.attempts > 1 else ""


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return " (check the credentials given with headers_from_env)"
    if status == 404:
        return " (check the URL)"
    return ""

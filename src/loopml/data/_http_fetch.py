"""One HTTP GET the way a well-behaved client sends it: paced, retried, bounded, translated.

The JSON API connector and the web crawler both go through :func:`fetch`, so pacing per host,
retries with exponential backoff and jitter on 429 and 5xx (honouring ``Retry-After``), the
size limit, and the translation of httpx exceptions into loopml's error tree live in one place.
URLs that reach a message or a record pass through :func:`mask_url` first, so credentials in
the user part or in the query string never leave the process.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from loopml.core import InvalidValueError, LoopmlError

MASK = "***"
_SECRET_PARAM = re.compile(
    r"^(key|sig|signature|auth|code|pass|pwd)$|token|secret|passw|api[_-]?key|access[_-]?key"
    r"|credential|session",
    re.IGNORECASE,
)
# Permanent server errors: asking again cannot help.
_NOT_RETRIED_5XX = frozenset({501, 505})
_READ_CHUNK = 64 * 1024


class FetchError(LoopmlError):
    """A URL could not be fetched: unreachable, timed out, or it kept answering with an error.

    ``url`` is masked (no credentials); ``status`` is the last HTTP status, None when no
    response arrived at all.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to ask again after a 429, a 5xx or a network failure.

    The wait before retry ``n`` (0-based) is ``min(max_backoff_s, backoff_s * 2**n)`` with
    "equal jitter" (a random point in its upper half, so many clients do not retry in step),
    and never less than the server's ``Retry-After``. A ``Retry-After`` longer than
    ``max_retry_after_s`` is an error instead of a silent long sleep.
    """

    max_retries: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 120.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise InvalidValueError(f"max_retries must be an integer >= 0, not {self.max_retries}")
        for label in ("backoff_s", "max_backoff_s", "max_retry_after_s"):
            value = getattr(self, label)
            if not isinstance(value, int | float) or value < 0:
                raise InvalidValueError(f"{label} must be a number >= 0, not {value!r}")

    def wait_before_retry(self, retry: int, retry_after_s: float | None) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry)."""
        ceiling = min(self.max_backoff_s, self.backoff_s * 2**retry)
        jittered = ceiling / 2 + random.uniform(0, ceiling / 2)
        return float(max(jittered, retry_after_s or 0.0))


class HostPacer:
    """Keeps a minimum interval between the starts of two requests to the same host.

    The interval of a host can be raised later (a robots.txt ``Crawl-delay``); it never drops
    below the default given at construction.
    """

    def __init__(self, default_interval_s: float) -> None:
        self._default = max(0.0, default_interval_s)
        self._interval: dict[str, float] = {}
        self._last_start: dict[str, float] = {}

    def set_interval(self, host: str, seconds: float) -> None:
        """Wait at least ``seconds`` (and at least the default) between requests to ``host``."""
        self._interval[host] = max(self._default, seconds)

    def interval(self, host: str) -> float:
        """The interval in force for ``host``."""
        return self._interval.get(host, self._default)

    def wait(self, host: str) -> None:
        """Sleep until the next request to ``host`` may start, and mark it started."""
        last = self._last_start.get(host)
        if last is not None:
            remaining = last + self.interval(host) - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
        self._last_start[host] = time.monotonic()


@dataclass
class Fetched:
    """A response with its body read; a body over the size limit is cut there (``too_large``)."""

    response: httpx.Response
    content: bytes
    attempts: int
    too_large: bool = False

    @property
    def status(self) -> int:
        """The HTTP status code."""
        return self.response.status_code


def mask_url(url: str | httpx.URL, secret_params: Iterable[str] = ()) -> str:
    """``url`` with its user part and secret-looking query values replaced by ``***``.

    A query parameter is secret when its name looks like a credential (``token``, ``api_key``,
    ``secret``, ``password``, ``sig``, ...) or is listed in ``secret_params``.
    """
    text = str(url)
    parts = urlsplit(text)
    extra = {name.lower() for name in secret_params}
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_is_secret(name, extra) for name, _ in pairs):
            masked = [(n, MASK if _is_secret(n, extra) else v) for n, v in pairs]
            query = urlencode(masked, safe="*")
    if netloc == parts.netloc and query == parts.query:
        return text
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _is_secret(name: str, extra: set[str]) -> bool:
    return name.lower() in extra or bool(_SECRET_PARAM.search(name))


def check_http_url(url: object, *, what: str = "URL") -> str:
    """Return ``url`` if it is an absolute http(s) URL with a host, else raise.

    Raises:
        InvalidValueError: another scheme (file:, ftp:), no host, or not a string.
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidValueError(f"{what} must be a non-empty string, not {url!r}")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a malformed port raises here
    except ValueError as exc:
        raise InvalidValueError(f"{what} {mask_url(url)!r} is malformed: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise InvalidValueError(
            f"{what} {mask_url(url)!r} must start with http:// or https:// "
            f"(got scheme {parts.scheme or '(none)'!r})"
        )
    if not parts.hostname:
        raise InvalidValueError(f"{what} {mask_url(url)!r} has no host")
    return url


def host_of(url: str | httpx.URL) -> str:
    """``host[:port]`` of a URL, lower case: the unit of pacing and of robots.txt."""
    return urlsplit(str(url)).netloc.rsplit("@", 1)[-1].lower()


def redirect_target(fetched: Fetched, current_url: str) -> str | None:
    """The absolute URL a 3xx response points to, or None when it is not a redirect."""
    if fetched.status not in (301, 302, 303, 307, 308):
        return None
    location = fetched.response.headers.get("location")
    return urljoin(current_url, location) if location else None


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (a number or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _retryable(status: int) -> bool:
    return status == 429 or (status >= 500 and status not in _NOT_RETRIED_5XX)


def fetch(
    client: httpx.Client,
    url: str | httpx.URL,
    *,
    retry: RetryPolicy,
    pacer: HostPacer,
    max_bytes: int | None = None,
    secret_params: Iterable[str] = (),
) -> Fetched:
    """GET ``url`` once, asking again on 429, 5xx and network failures as ``retry`` allows.

    Redirects are not followed: the caller decides whether the target is allowed. Any other
    status is returned as it is (the last one, once retries are spent). The body is read up to
    ``max_bytes``; reading stops there and the result is flagged ``too_large``.

    Raises:
        FetchError: no response at all after every attempt (refused, unreachable, timed out),
            or a ``Retry-After`` longer than the policy accepts.
    """
    shown = mask_url(url, secret_params)
    host = host_of(url)
    attempts = 0
    problem = ""
    while True:
        attempts += 1
        retry_after: float | None = None
        pacer.wait(host)
        try:
            fetched = _get(client, url, max_bytes=max_bytes, attempts=attempts)
        except httpx.TimeoutException:
            problem = f"timed out (timeout {_timeout_of(client)})"
        except httpx.TransportError as exc:
            problem = f"cannot connect ({type(exc).__name__}: {_scrub(str(exc), url, shown)})"
        else:
            if not _retryable(fetched.status):
                return fetched
            problem = f"HTTP {fetched.status}"
            retry_after = retry_after_seconds(fetched.response.headers.get("retry-after"))
            if retry_after is not None and retry_after > retry.max_retry_after_s:
                raise FetchError(
                    f"{shown} answered HTTP {fetched.status} asking to wait {retry_after:.0f}s "
                    f"(Retry-After), longer than max_retry_after_s={retry.max_retry_after_s:g}",
                    url=shown,
                    status=fetched.status,
                )
            if attempts > retry.max_retries:
                return fetched
        if attempts > retry.max_retries:
            raise FetchError(
                f"{shown}: {problem}; gave up after {attempts} attempt(s)", url=shown, status=None
            )
        time.sleep(retry.wait_before_retry(attempts - 1, retry_after))


def _get(
    client: httpx.Client, url: str | httpx.URL, *, max_bytes: int | None, attempts: int
) -> Fetched:
    request = client.build_request("GET", url)
    response = client.send(request, stream=True)
    try:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes(_READ_CHUNK):
            if max_bytes is not None and size + len(chunk) > max_bytes:
                chunks.append(chunk[: max_bytes - size])
                return Fetched(response, b"".join(chunks), attempts, too_large=True)
            size += len(chunk)
            chunks.append(chunk)
        return Fetched(response, b"".join(chunks), attempts)
    finally:
        response.close()


def _timeout_of(client: httpx.Client) -> str:
    seconds = client.timeout.read
    return f"{seconds:g}s" if seconds is not None else "none"


def _scrub(message: str, url: str | httpx.URL, shown: str) -> str:
    return message.replace(str(url), shown) if str(url) != shown else message

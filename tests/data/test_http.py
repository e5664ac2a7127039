"""HTTP JSON APIs against real servers on loopback: pagination, retries, auth, bad input.

``LoopbackServer`` (also used by the crawler and CLI tests) is a real ``ThreadingHTTPServer`` on
127.0.0.1 with a free port; it answers from a function of the request and keeps its own log of
what was asked, so the tests assert on what actually went over the wire.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import loopml
from loopml.core import ConfigurationError, InvalidValueError, LoopmlError
from loopml.data import (
    CursorPagination,
    FetchError,
    LinkHeaderPagination,
    OffsetPagination,
    PagePagination,
    RetryPolicy,
    ingest_http,
    list_datasets,
)
from loopml.store import Stores

FAST_RETRY = RetryPolicy(max_retries=3, backoff_s=0.01, max_backoff_s=0.05)


@dataclass
class Reply:
    """What the server sends back: a status, headers and a body (dict/list -> JSON)."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float


class LoopbackServer:
    """A real HTTP server on 127.0.0.1, answering with ``respond(seen)`` and logging requests."""

    def __init__(self, respond: Callable[[Seen], Reply]) -> None:
        self.requests: list[Seen] = []
        self.bodies: list[bytes] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                parts = urlsplit(self.path)
                seen = Seen(
                    path=parts.path,
                    query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    at=time.monotonic(),
                )
                server.requests.append(seen)
                reply = respond(seen)
                body = reply.body
                if not isinstance(body, bytes):
                    body = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                server.bodies.append(body)
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep test output clean

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        # a short poll interval makes shutdown() return at once instead of after 0.5 s
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/") -> str:
        """``http://127.0.0.1:<port><path>``."""
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def paths(self) -> list[str]:
        """Paths requested, in order."""
        return [seen.path for seen in self.requests]

    def close(self) -> None:
        """Stop serving and free the port."""
        self._httpd.shutdown()
        self._httpd.server_close()


def loopback_servers() -> Iterator[Callable[[Callable[[Seen], Reply]], LoopbackServer]]:
    """Body of the ``serve`` fixture (shared by the crawler and CLI tests)."""
    started: list[LoopbackServer] = []

    def start(respond: Callable[[Seen], Reply]) -> LoopbackServer:
        server = LoopbackServer(respond)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Seen], Reply]], LoopbackServer]]:
    """``serve(respond)`` starts a loopback server that is shut down after the test."""
    yield from loopback_servers()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the port was just free)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


RECORDS = [
    {"id": i, "name": f"item-{i}", "owner": {"id": 10 * i, "tags": ["a", "b"][: i % 3]}}
    for i in range(5)
]


def paginated_api(seen: Seen) -> Reply:
    """The same five records behind four pagination styles (two per page)."""
    q = seen.query
    if seen.path == "/page":
        start = (int(q.get("page", "1")) - 1) * 2
        return Reply(body={"data": RECORDS[start : start + 2]})
    if seen.path == "/offset":
        offset, limit = int(q["offset"]), int(q["limit"])
        return Reply(body={"data": RECORDS[offset : offset + limit]})
    if seen.path == "/cursor":
        start = int(q.get("after", "0"))
        cursor = str(start + 2) if start + 2 < len(RECORDS) else None
        return Reply(body={"data": RECORDS[start : start + 2], "meta": {"next": cursor}})
    if seen.path == "/link":
        start = int(q.get("p", "0"))
        headers = {}
        if start + 2 < len(RECORDS):
            headers["Link"] = f'</link?p={start + 2}>; rel="next", </link?p=0>; rel="first"'
        return Reply(body=RECORDS[start : start + 2], headers=headers)
    return Reply(404, {"error": "no such path"})


STYLES = {
    "page": ("/page", PagePagination(size=2), "data"),
    "offset": ("/offset", OffsetPagination(limit=2), "data"),
    "cursor": ("/cursor", CursorPagination("meta.next", param="after"), "data"),
    "link": ("/link", LinkHeaderPagination(), ""),
}


@pytest.mark.parametrize("style", list(STYLES))
def test_every_pagination_style_collects_every_record_once(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer], style: str
) -> None:
    server = serve(paginated_api)
    path, pagination, records_path = STYLES[style]
    version = ingest_http(
        server.url(path), name=f"items-{style}", records_path=records_path, pagination=pagination
    )
    frame = loopml.load_dataset(version)
    assert frame["id"].tolist() == [0, 1, 2, 3, 4]
    assert version.columns == ["id", "name", "owner.id", "owner.tags"]
    assert frame["owner.tags"].tolist() == ["[]", '["a"]', '["a","b"]', "[]", '["a"]']
    assert version.num_rows == 5
    source = version.source
    assert source["kind"] == "http" and source["pagination"]["style"] == style
    assert source["pages"] == len(server.requests) == 3
    assert source["records"] == 5 and source["complete"] is True
    assert source["responses_sha256"] == hashlib.sha256(b"".join(server.bodies)).hexdigest()
    assert source["url"].startswith(server.url(path))
    assert all(s.headers["user-agent"].startswith("loopml/") for s in server.requests)


def test_429_with_retry_after_is_waited_out(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    def busy_once(seen: Seen) -> Reply:
        if len(server.requests) == 1:
            return Reply(429, {"error": "slow down"}, {"Retry-After": "1"})
        return Reply(body={"data": RECORDS})

    server = serve(busy_once)
    version = ingest_http(server.url("/api"), name="items", retry=FAST_RETRY)
    assert version.num_rows == 5
    first, second = server.requests
    assert second.at - first.at >= 0.9  # Retry-After beats the 10 ms backoff


def test_a_5xx_then_success_is_retried(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    def flaky(seen: Seen) -> Reply:
        if len(server.requests) <= 2:
            return Reply(503 if len(server.requests) == 1 else 500, {"error": "oops"})
        return Reply(body={"data": RECORDS})

    server = serve(flaky)
    assert ingest_http(server.url("/api"), name="items", retry=FAST_RETRY).num_rows == 5
    assert len(server.requests) == 3


def test_a_persistent_500_fails_after_the_retries_and_records_nothing(
    stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(lambda seen: Reply(500, {"error": "down"}))
    with pytest.raises(FetchError, match=r"HTTP 500 .*after 4 attempts") as caught:
        ingest_http(server.url("/api"), name="items", retry=FAST_RETRY)
    assert caught.value.status == 500
    assert len(server.requests) == 4
    assert list_datasets() == []


def test_a_retry_after_beyond_the_limit_is_an_error_not_a_long_sleep(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(lambda seen: Reply(429, {}, {"Retry-After": "3600"}))
    policy = RetryPolicy(max_retries=3, backoff_s=0.01, max_retry_after_s=60)
    with pytest.raises(FetchError, match="wait 3600s"):
        ingest_http(server.url("/api"), name="items", retry=policy)
    assert len(server.requests) == 1


def test_a_failure_after_some_pages_records_nothing(
    stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    def breaks_on_page_3(seen: Seen) -> Reply:
        if seen.query.get("page") == "3":
            return Reply(body=b"<html>maintenance</html>", headers={"Content-Type": "text/html"})
        return paginated_api(Seen("/page", seen.query, seen.headers, seen.at))

    server = serve(breaks_on_page_3)
    with pytest.raises(InvalidValueError, match=r"page 3 .* is not JSON \(text/html\)"):
        ingest_http(server.url("/page"), name="items", pagination=PagePagination(size=2))
    assert len(server.requests) == 3
    assert list_datasets() == []


def test_auth_header_comes_from_the_environment_and_is_never_recorded(
    stores: Stores, serve: Callable[..., LoopbackServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cret-token-value"

    def guarded(seen: Seen) -> Reply:
        if seen.headers.get("authorization") != f"Bearer {secret}":
            return Reply(401, {"error": "unauthorized"})
        if seen.headers.get("x-api-key") != "k3y":
            return Reply(403, {"error": "no key"})
        return Reply(body={"data": RECORDS})

    server = serve(guarded)
    monkeypatch.setenv("API_TOKEN", secret)
    monkeypatch.setenv("API_KEY", "k3y")
    version = ingest_http(
        server.url("/api"),
        name="items",
        headers_from_env={"Authorization": "Bearer ${API_TOKEN}", "X-Api-Key": "API_KEY"},
    )
    assert version.num_rows == 5
    recorded = json.dumps(version.source)
    assert secret not in recorded and "k3y" not in recorded
    assert version.source["headers_from_env"] == {
        "Authorization": ["API_TOKEN"],
        "X-Api-Key": ["API_KEY"],
    }

    monkeypatch.setenv("API_TOKEN", "wrong-token")
    with pytest.raises(FetchError, match="HTTP 401.*credentials") as caught:
        ingest_http(
            server.url("/api"),
            name="other",
            headers_from_env={"Authorization": "Bearer ${API_TOKEN}", "X-Api-Key": "API_KEY"},
        )
    assert "wrong-token" not in str(caught.value)


def test_a_missing_environment_variable_is_named_before_any_request(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(paginated_api)
    monkeypatch.delenv("NOT_SET_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="NOT_SET_TOKEN.*Authorization"):
        ingest_http(
            server.url("/page"), name="items", headers_from_env={"Authorization": "NOT_SET_TOKEN"}
        )
    with pytest.raises(InvalidValueError, match="not an environment variable name"):
        ingest_http(server.url("/page"), name="items", headers_from_env={"Authorization": "a b"})
    assert server.requests == []


def test_a_bad_dataset_name_fails_before_any_request(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(paginated_api)
    with pytest.raises(InvalidValueError, match="dataset name"):
        ingest_http(server.url("/page"), name="no spaces, please")
    assert server.requests == []


def test_credentials_in_the_url_are_masked_in_the_record(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(lambda seen: Reply(body={"data": RECORDS}))
    url = server.url("/api?api_key=zz-secret&q=shoes&session_id=abc").replace(
        "http://", "http://user:pw@"
    )
    version = ingest_http(url, name="items", params={"access_token": "tok", "sig": "s"})
    recorded = version.source["url"]
    assert "zz-secret" not in recorded and ":pw" not in recorded and "=tok" not in recorded
    assert "q=shoes" in recorded and "api_key=***" in recorded and "***@127.0.0.1" in recorded
    assert server.requests[0].query["api_key"] == "zz-secret"  # the real value was sent


def test_an_unreachable_url_is_a_clear_error(stores: Stores) -> None:
    with pytest.raises(FetchError, match=r"cannot connect .*gave up after 2 attempt"):
        ingest_http(closed_port_url(), name="items", retry=RetryPolicy(1, backoff_s=0.01))
    assert list_datasets() == []


def test_rate_limit_spaces_the_requests(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(paginated_api)
    started = time.monotonic()
    ingest_http(
        server.url("/page"), name="items", pagination=PagePagination(size=2), rate_limit_per_s=5
    )
    assert time.monotonic() - started >= 0.4  # three requests, 0.2 s apart
    gaps = [b.at - a.at for a, b in zip(server.requests, server.requests[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.15  # as seen by the server, give or take latency


def test_max_pages_stops_and_says_the_data_is_incomplete(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(paginated_api)
    version = ingest_http(
        server.url("/page"), name="items", pagination=PagePagination(size=2), max_pages=2
    )
    assert version.num_rows == 4 and version.source["complete"] is False
    assert version.source["warnings"] == ["stopped after max_pages=2 pages; the API has more"]
    assert len(server.requests) == 2


def test_mixed_and_awkward_values_are_kept_without_loss(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    records = [
        {"n": 1, "mixed": 1, "big": 2**70, "empty": None, "flag": True, "x": 1},
        {"n": 2, "mixed": "one", "big": 3, "flag": False, "x": 2.5, "deep": {"a": {"b": 1}}},
    ]
    server = serve(lambda seen: Reply(body={"result": {"items": records}}))
    version = ingest_http(server.url("/api"), name="awkward", records_path="result.items")
    frame = loopml.load_dataset(version)
    types = {column["name"]: column["type"] for column in version.schema}
    assert types == {
        "n": "int64",
        "mixed": "string",
        "big": "string",
        "empty": "string",
        "flag": "bool",
        "x": "double",
        "deep.a.b": "int64",
    }
    assert frame["mixed"].tolist() == ["1", "one"]
    assert frame["big"].tolist() == [str(2**70), "3"]

    plain = serve(lambda seen: Reply(body=[3, 1, 2]))
    values = ingest_http(plain.url("/ids"), name="ids", records_path=None)
    assert loopml.load_dataset(values)["value"].tolist() == [3, 1, 2]


def test_bad_responses_and_arguments_are_clear_errors(
    stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(paginated_api)
    with pytest.raises(InvalidValueError, match=r"has no 'items'.*top-level keys: \['data'\]"):
        ingest_http(server.url("/page"), name="items", records_path="items")
    with pytest.raises(InvalidValueError, match="no records"):
        ingest_http(server.url("/page?page=9"), name="items")
    with pytest.raises(FetchError, match=r"HTTP 404.*check the URL"):
        ingest_http(server.url("/nowhere"), name="items")
    with pytest.raises(InvalidValueError, match="http:// or https://"):
        ingest_http("file:///etc/passwd", name="items")
    with pytest.raises(InvalidValueError, match="max_pages"):
        ingest_http(server.url("/page"), name="items", max_pages=0)
    with pytest.raises(InvalidValueError, match="rate_limit_per_s"):
        ingest_http(server.url("/page"), name="items", rate_limit_per_s=-1)
    with pytest.raises(InvalidValueError, match="pagination must be"):
        ingest_http(server.url("/page"), name="items", pagination="page")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    assert list_datasets() == []


def test_an_api_that_ignores_the_page_parameter_is_caught(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(lambda seen: Reply(body={"data": RECORDS[:2]}))
    with pytest.raises(InvalidValueError, match="identical to the page before"):
        ingest_http(server.url("/api"), name="items", pagination=PagePagination())
    assert len(server.requests) == 2


def test_requests_never_leave_the_origin_with_the_headers(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = serve(lambda seen: Reply(body={"data": RECORDS}))
    elsewhere = other.url("/steal").replace("127.0.0.1", "localhost")

    def leaks(seen: Seen) -> Reply:
        if seen.path == "/redirect":
            return Reply(302, b"", {"Location": elsewhere})
        if seen.path == "/moved":
            return Reply(301, b"", {"Location": "/api"})
        return Reply(body={"data": RECORDS[:2]}, headers={"Link": f'<{elsewhere}>; rel="next"'})

    server = serve(leaks)
    monkeypatch.setenv("API_TOKEN", "t0ken")
    auth = {"Authorization": "API_TOKEN"}
    with pytest.raises(FetchError, match="redirects to another site"):
        ingest_http(server.url("/redirect"), name="items", headers_from_env=auth)
    with pytest.raises(InvalidValueError, match="points the next page to another site"):
        ingest_http(
            server.url("/api"),
            name="items",
            headers_from_env=auth,
            pagination=LinkHeaderPagination(),
        )
    assert other.requests == []
    same_site = ingest_http(server.url("/moved"), name="items", headers_from_env=auth)
    assert same_site.num_rows == 2 and server.paths[-2:] == ["/moved", "/api"]


def test_errors_are_loopml_errors() -> None:
    assert issubclass(FetchError, LoopmlError)

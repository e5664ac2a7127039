"""Polite crawling of a small site on loopback: robots.txt, domains, delays, bounds, extraction.

The server's own request log is the witness: a path robots.txt disallows is never requested,
an off-domain link is never followed, and every request carries loopml's User-Agent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import loopml
from loopml.core import ConfigurationError, InvalidValueError
from loopml.data import FetchError, RetryPolicy, RobotsRefusedError, crawl, list_datasets
from loopml.store import Stores
from tests.data.test_http import LoopbackServer, Reply, Seen, closed_port_url, loopback_servers

FAST_RETRY = RetryPolicy(max_retries=1, backoff_s=0.01)
ROBOTS = "User-agent: *\nDisallow: /private/\n\nUser-agent: otherbot\nDisallow: /\n"


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Seen], Reply]], LoopbackServer]]:
    """``serve(respond)`` starts a loopback server that is shut down after the test."""
    yield from loopback_servers()


def html(body: str, title: str = "page", head: str = "") -> str:
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


def shop(
    robots: str = ROBOTS, extra: dict[str, Reply | str] | None = None
) -> Callable[[Seen], Reply]:
    """A small shop: an index, two product pages, a table, private pages, an off-site link."""

    def respond(seen: Seen) -> Reply:
        port = seen.headers["host"].rsplit(":", 1)[1]
        pages = {
            "/robots.txt": Reply(body=robots, headers={"Content-Type": "text/plain"}),
            "/": html(
                '<h1>Shop</h1><a href="/apple">apple</a> <a href="banana#top">banana</a>'
                ' <a href="/private/secret">staff</a>'
                f' <a href="http://localhost:{port}/offsite">partner</a>'
                ' <a href="mailto:shop@example.com">mail</a> <a href="/apple#reviews">again</a>'
                ' <a href="/deep/1">deeper</a> <a href="/data.csv">csv</a>',
                title="Shop",
            ),
            "/apple": html(
                '<h1>Apple</h1><span class="price"> 1.50 </span>'
                '<a href="/private/stock">stock</a> <a href="/banana">banana</a>',
                title="Apple",
            ),
            "/banana": html(
                '<h1>Banana</h1><span class="price">0.25</span>'
                '<table class="data"><thead><tr><th>size</th><th>grams</th></tr></thead>'
                "<tr><td>small</td><td>100</td></tr><tr><td>large</td><td>180</td></tr></table>"
                '<table class="other"><tr><td>ignored</td></tr></table>',
                title="Banana",
            ),
            "/deep/1": html('<a href="/deep/2">on</a>', title="Deep 1"),
            "/deep/2": html('<a href="/deep/3">on</a>', title="Deep 2"),
            "/deep/3": html("bottom", title="Deep 3"),
            "/data.csv": Reply(body="a,b\n1,2\n", headers={"Content-Type": "text/csv"}),
            **(extra or {}),
        }
        page = pages.get(seen.path)
        if page is None:
            return Reply(404, "not here", {"Content-Type": "text/plain"})
        if isinstance(page, Reply):
            return page
        return Reply(body=page, headers={"Content-Type": "text/html; charset=utf-8"})

    return respond


def test_robots_txt_is_obeyed_and_the_crawl_stays_on_its_domain(
    stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop())
    version = crawl(
        server.url("/"),
        name="shop",
        extract={"title": "h1", "price": ".price"},
        min_delay_s=0,
    )
    assert not any(path.startswith("/private/") for path in server.paths)
    assert "/offsite" not in server.paths
    assert server.paths.count("/robots.txt") == 1 and server.paths[0] == "/robots.txt"
    assert all(s.headers["user-agent"].startswith("loopml/") for s in server.requests)
    assert len(server.paths) == len(set(server.paths))  # no page asked for twice
    frame = loopml.load_dataset(version)
    assert version.columns == ["page_url", "title", "price"]
    assert frame["title"].tolist()[:3] == ["Shop", "Apple", "Banana"]
    assert frame["price"].isna().tolist()[:3] == [True, False, False]
    assert frame["price"].tolist()[1:3] == ["1.50", "0.25"]
    assert frame["page_url"].tolist()[1] == server.url("/apple")
    source = version.source
    assert source["kind"] == "web" and source["url"] == server.url("/")
    assert source["warnings"] == ["2 URL(s) disallowed by robots.txt were not fetched"]
    assert source["skipped_robots"] == 2
    assert sorted(source["robots_disallowed_examples"]) == [
        server.url("/private/secret"),
        server.url("/private/stock"),
    ]
    assert source["skipped_off_domain"] == 1 and source["skipped_not_http"] == 1
    assert source["skipped_not_html"] == 1  # the CSV link
    assert source["allowed_domains"] == ["127.0.0.1"]
    assert source["complete"] is True
    assert source["robots"][f"127.0.0.1:{server.port}"]["outcome"] == "parsed"


def test_tables_become_rows_named_by_their_header(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop())
    version = crawl(server.url("/"), name="sizes", table_selector="table.data", min_delay_s=0)
    frame = loopml.load_dataset(version)
    assert version.columns == ["page_url", "size", "grams"]
    assert frame[["size", "grams"]].values.tolist() == [["small", "100"], ["large", "180"]]
    assert set(frame["page_url"]) == {server.url("/banana")}


def test_without_selectors_each_page_gives_its_title_and_text(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    script = "<script>var hidden = 1;</script>"
    server = serve(shop(extra={"/": html(f"<p>Hello  shop</p>{script}", "Home")}))
    version = crawl(server.url("/"), name="text", min_delay_s=0)
    frame = loopml.load_dataset(version)
    assert version.columns == ["page_url", "title", "text"]
    assert frame.loc[0, "title"] == "Home" and frame.loc[0, "text"] == "Hello shop"


def test_depth_and_page_bounds_hold(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop())
    shallow = crawl(server.url("/"), name="shallow", max_depth=1, min_delay_s=0)
    assert "/deep/1" in server.paths and "/deep/2" not in server.paths
    assert shallow.source["skipped_max_depth"] >= 1

    small = serve(shop())
    capped = crawl(small.url("/"), name="capped", max_pages=2, min_delay_s=0)
    assert small.paths == ["/robots.txt", "/", "/apple"]
    assert capped.source["page_requests"] == 2 and capped.source["complete"] is False
    assert "stopped at max_pages=2" in capped.source["warnings"][-1]


def test_crawl_delay_is_honoured(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop(robots="User-agent: *\nDisallow: /private/\nCrawl-delay: 0.5\n"))
    version = crawl(server.url("/"), name="slow", max_pages=2, min_delay_s=0)
    pages = [s for s in server.requests if s.path != "/robots.txt"]
    assert len(pages) == 2
    assert pages[1].at - pages[0].at >= 0.9  # fractional delays are rounded up, never ignored
    assert version.source["robots"][f"127.0.0.1:{server.port}"]["delay_s"] == 1.0


def test_min_delay_spaces_requests_to_one_host(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop())
    crawl(server.url("/"), name="paced", max_pages=3, min_delay_s=0.2)
    gaps = [b.at - a.at for a, b in zip(server.requests, server.requests[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.15  # as seen by the server, give or take latency


def test_a_start_url_refused_by_robots_txt_is_an_error(
    stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop())
    with pytest.raises(RobotsRefusedError, match=r"robots.txt does not allow .*/private/secret"):
        crawl(server.url("/private/secret"), name="nope", min_delay_s=0)
    with pytest.raises(RobotsRefusedError, match="otherbot"):
        crawl(server.url("/"), name="nope", user_agent="otherbot/1.0", min_delay_s=0)
    assert server.paths == ["/robots.txt", "/robots.txt"]
    assert issubclass(RobotsRefusedError, ConfigurationError)
    assert list_datasets() == []


@pytest.mark.parametrize(
    ("status", "allowed"), [(403, False), (401, False), (404, True), (503, False)]
)
def test_how_a_robots_txt_error_is_read(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer], status: int, allowed: bool
) -> None:
    server = serve(shop(extra={"/robots.txt": Reply(status, "no", {"Content-Type": "text/plain"})}))
    if allowed:
        version = crawl(server.url("/"), name="open", max_pages=1, min_delay_s=0, retry=FAST_RETRY)
        assert version.num_rows == 1
        assert server.paths == ["/robots.txt", "/"]
    else:
        with pytest.raises(RobotsRefusedError, match=f"HTTP {status}"):
            crawl(server.url("/"), name="shut", min_delay_s=0, retry=FAST_RETRY)
        assert set(server.paths) == {"/robots.txt"}


def test_redirects_and_meta_robots_are_obeyed(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    extra = {
        "/": Reply(
            body=html(
                '<a href="/go">go</a> <a href="/moved">moved</a> <a href="/quiet">quiet</a>'
                ' <a rel="nofollow" href="/apple">apple</a>',
                "Home",
            ),
            headers={"Content-Type": "text/html"},
        ),
        "/go": Reply(302, b"", {"Location": "/private/target"}),
        "/moved": Reply(301, b"", {"Location": "/banana"}),
        "/quiet": Reply(
            body=html('<a href="/deep/1">d</a>', "Q", '<meta name="robots" content="noindex">'),
            headers={"Content-Type": "text/html"},
        ),
    }
    server = serve(shop(extra=extra))
    version = crawl(server.url("/"), name="redirects", max_depth=2, min_delay_s=0)
    assert "/private/target" not in server.paths and "/apple" not in server.paths
    assert "/banana" in server.paths and "/deep/1" in server.paths
    titles = loopml.load_dataset(version)["title"].tolist()
    assert titles == ["Home", "Banana", "Deep 1"]  # /quiet said noindex
    assert version.source["redirects"] == 2 and version.source["skipped_robots"] == 1
    assert version.source["skipped_noindex"] == 1


def test_an_oversized_page_is_skipped_and_counted(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    big = html("<h1>Big</h1>" + "x" * 20_000, "Big")
    server = serve(shop(extra={"/apple": Reply(body=big, headers={"Content-Type": "text/html"})}))
    version = crawl(server.url("/"), name="bounded", max_bytes_per_page=5_000, min_delay_s=0)
    assert version.source["skipped_too_large"] == 1
    assert "Big" not in loopml.load_dataset(version)["title"].tolist()


def test_unreachable_and_failing_start_urls_are_clear_errors(
    stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    with pytest.raises(FetchError, match="cannot reach .*cannot connect"):
        crawl(closed_port_url(), name="gone", retry=FAST_RETRY, min_delay_s=0)
    server = serve(shop())
    with pytest.raises(FetchError, match="start URL .*/missing answered HTTP 404"):
        crawl(server.url("/missing"), name="gone", min_delay_s=0)
    with pytest.raises(InvalidValueError, match="gave no rows"):
        crawl(server.url("/"), name="gone", extract={"x": ".nothing-matches"}, min_delay_s=0)
    assert list_datasets() == []


def test_bad_arguments_are_rejected_before_any_request(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop())
    url = server.url("/")
    bad_calls: list[tuple[dict[str, object], str]] = [
        ({"start_url": "ftp://example.com/"}, "http:// or https://"),
        ({"follow": "a[href"}, "not a valid CSS selector"),
        ({"extract": {"t": "h1"}, "table_selector": "table"}, "not both"),
        ({"extract": {"page_url": "h1"}}, "crawler's own column"),
        ({"extract": {}}, "extract must map"),
        ({"max_depth": -1}, "max_depth"),
        ({"max_pages": 0}, "max_pages"),
        ({"allowed_domains": ["example.com"]}, "not in allowed_domains"),
        ({"user_agent": " "}, "user_agent"),
        ({"min_delay_s": -1}, "min_delay_s"),
        ({"name": "no spaces, please"}, "dataset name"),
    ]
    for overrides, message in bad_calls:
        arguments: dict[str, object] = {"start_url": url, "name": "bad", **overrides}
        with pytest.raises(InvalidValueError, match=message):
            crawl(**arguments)  # type: ignore[arg-type]
    assert server.requests == []


def test_extract_can_take_an_attribute(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    page = html('<a class="more" href="/apple">more</a><h1>Home</h1>', "Home")
    server = serve(shop(extra={"/": Reply(body=page, headers={"Content-Type": "text/html"})}))
    version = crawl(
        server.url("/"),
        name="links",
        extract={"heading": "h1", "more": "a.more@href"},
        max_depth=0,
        min_delay_s=0,
    )
    assert loopml.load_dataset(version).loc[0, "more"] == "/apple"


def test_each_allowed_host_gets_its_own_robots_txt(
    sqlite_stores: Stores, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop())
    version = crawl(
        server.url("/"),
        name="two-hosts",
        allowed_domains=["127.0.0.1", "localhost"],
        max_depth=1,
        min_delay_s=0,
    )
    hosts = [s.headers["host"].split(":")[0] for s in server.requests if s.path == "/robots.txt"]
    assert hosts == ["127.0.0.1", "localhost"]
    assert "/offsite" in server.paths  # now allowed; it answers 404
    assert version.source["failed_http"] == 1 and version.source["skipped_off_domain"] == 0

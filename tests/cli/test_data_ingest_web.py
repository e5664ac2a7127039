"""``loopml data ingest http|web`` through the real entry point, against loopback servers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

import loopml
from loopml.data import list_datasets
from tests.cli.conftest import CliRunner
from tests.data.test_crawl import shop
from tests.data.test_http import (
    LoopbackServer,
    Reply,
    Seen,
    closed_port_url,
    loopback_servers,
    paginated_api,
)


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Seen], Reply]], LoopbackServer]]:
    """``serve(respond)`` starts a loopback server that is shut down after the test."""
    yield from loopback_servers()


@pytest.mark.parametrize("command", [["http"], ["web"]])
def test_help_shows_an_example(cli: CliRunner, command: list[str]) -> None:
    result = cli("data", "ingest", *command, "--help")
    assert result.code == 0 and "Example: loopml data ingest" in result.out


def test_ingest_http_with_pagination_and_a_token_from_the_environment(
    cli: CliRunner, serve: Callable[..., LoopbackServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    def guarded(seen: Seen) -> Reply:
        if seen.headers.get("authorization") != "Bearer cli-secret":
            return Reply(401, {"error": "unauthorized"})
        return paginated_api(seen)

    server = serve(guarded)
    monkeypatch.setenv("ITEMS_TOKEN", "cli-secret")
    args = ["data", "ingest", "http", server.url("/offset"), "--name", "items"]
    options = ["--pagination", "offset", "--page-size", "2"]
    auth = ["--header-from-env", "Authorization=Bearer ${ITEMS_TOKEN}"]
    result = cli(*args, *options, *auth, "--json")
    assert result.code == 0, result.err
    assert "cli-secret" not in result.out
    record = json.loads(result.out)
    assert record["num_rows"] == 5 and record["source"]["pages"] == 3
    assert loopml.load_dataset("items")["id"].tolist() == [0, 1, 2, 3, 4]

    table = cli(*args, "--records-path", "data", "--param", "offset=0", "--param", "limit=2")
    assert table.code == 1 and "HTTP 401" in table.err  # no token header this time

    monkeypatch.delenv("ITEMS_TOKEN")
    missing = cli(*args, *auth)
    assert missing.code == 1 and missing.err.startswith("error: environment variable ITEMS_TOKEN")


def test_ingest_http_bad_input_is_one_line_and_stores_nothing(cli: CliRunner) -> None:
    unreachable = cli("data", "ingest", "http", closed_port_url(), "-n", "x", "--retries", "0")
    assert unreachable.code == 1 and unreachable.err.startswith("error: ")
    assert "cannot connect" in unreachable.err and len(unreachable.err.strip().splitlines()) == 1
    no_cursor = cli(
        "data", "ingest", "http", "http://127.0.0.1:9/", "-n", "x", "--pagination", "cursor"
    )
    assert no_cursor.code == 1 and "--cursor-path" in no_cursor.err
    bad_pair = cli("data", "ingest", "http", "http://127.0.0.1:9/", "-n", "x", "--param", "oops")
    assert bad_pair.code == 1 and "KEY=VALUE" in bad_pair.err
    assert list_datasets() == []


def test_ingest_web_extracts_fields_and_never_asks_for_disallowed_paths(
    cli: CliRunner, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop())
    result = cli(
        "data", "ingest", "web", server.url("/"), "--name", "shop",
        "--extract", "title=h1", "--extract", "price=.price", "--min-delay", "0",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "datasets:/shop/1" in result.out and "2 URL(s) disallowed by robots.txt" in result.out
    assert not any(path.startswith("/private/") for path in server.paths)
    frame = loopml.load_dataset("shop")
    assert frame["title"].tolist()[:3] == ["Shop", "Apple", "Banana"]


def test_ingest_web_refused_by_robots_txt_is_an_error(
    cli: CliRunner, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(shop())
    refused = cli("data", "ingest", "web", server.url("/private/x"), "-n", "p", "--min-delay", "0")
    assert refused.code == 1 and refused.err.startswith("error: ")
    assert "robots.txt does not allow" in refused.err
    bad = cli("data", "ingest", "web", server.url("/"), "-n", "p", "--extract", "h1")
    assert bad.code == 1 and "COLUMN=SELECTOR" in bad.err
    assert server.paths == ["/robots.txt"]
    assert list_datasets() == []

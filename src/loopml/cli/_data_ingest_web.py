"""``loopml data ingest http`` and ``loopml data ingest web``: JSON APIs and polite crawls.

Thin faces over :func:`loopml.data.ingest_http` and :func:`loopml.data.crawl`: options become
arguments, progress goes to stderr, and the new version is printed the way every ingest command
prints it (:func:`loopml.cli._data_ingest.report_version`; ``--json`` for programs).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from loopml.cli._data_ingest import (
    DescriptionOption,
    JsonOption,
    NameOption,
    ParentOption,
    parse_pairs,
    report_version,
)
from loopml.cli._render import error_console

if TYPE_CHECKING:
    from loopml.data._http import Pagination


class PaginationStyle(enum.StrEnum):
    """How the API hands out pages."""

    none = "none"
    page = "page"
    offset = "offset"
    cursor = "cursor"
    link = "link"


TimeoutOption = Annotated[
    float, typer.Option("--timeout", help="Seconds to wait for the server at each step.")
]

HTTP_EXAMPLE = (
    "Example: loopml data ingest http https://api.example.com/v1/orders --name orders "
    "--pagination cursor --cursor-path meta.next_cursor "
    "--header-from-env 'Authorization=Bearer ${ORDERS_TOKEN}'"
)
WEB_EXAMPLE = (
    "Example: loopml data ingest web https://books.example.com/ --name books "
    "--extract title=h1 --extract price=.price --max-pages 50 --max-depth 2"
)


def register(ingest_app: typer.Typer) -> None:
    """Add ``http`` and ``web`` to the ``loopml data ingest`` group."""
    ingest_app.command("http", epilog=HTTP_EXAMPLE)(ingest_http_command)
    ingest_app.command("web", epilog=WEB_EXAMPLE)(ingest_web_command)


def ingest_http_command(
    url: Annotated[str, typer.Argument(help="The first page (http:// or https://).")],
    name: NameOption,
    records_path: Annotated[
        str,
        typer.Option(
            "--records-path",
            help="Dotted path to the list of records in each page; '' if the page is the list.",
        ),
    ] = "data",
    pagination: Annotated[
        PaginationStyle, typer.Option("--pagination", help="How to ask for the next page.")
    ] = PaginationStyle.none,
    page_param: Annotated[
        str | None,
        typer.Option(
            "--page-param",
            help="Query parameter that moves through pages (default: page, offset or cursor).",
        ),
    ] = None,
    page_size: Annotated[
        int | None,
        typer.Option(
            "--page-size",
            help="Records per page: the limit of offset pagination (default 100); with page "
            "pagination a shorter page is the last.",
        ),
    ] = None,
    size_param: Annotated[
        str | None,
        typer.Option(
            "--size-param", help="Query parameter that sets the page size (offset: limit)."
        ),
    ] = None,
    cursor_path: Annotated[
        str | None,
        typer.Option("--cursor-path", help="Dotted path of the next cursor in each page."),
    ] = None,
    max_pages: Annotated[int, typer.Option("--max-pages", help="Stop after this many pages.")] = (
        1000
    ),
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="KEY=VALUE query parameter for the first request (repeat)."),
    ] = None,
    header_from_env: Annotated[
        list[str] | None,
        typer.Option(
            "--header-from-env",
            help="HEADER=ENV_VAR (or 'HEADER=Bearer ${ENV_VAR}'): a header whose value is read "
            "from the environment; only the variable's name is recorded (repeat).",
        ),
    ] = None,
    rate_limit: Annotated[
        float | None, typer.Option("--rate-limit", help="At most this many requests per second.")
    ] = None,
    retries: Annotated[
        int, typer.Option("--retries", help="Retries on 429, 5xx and network failures.")
    ] = 3,
    timeout: TimeoutOption = 30.0,
    parent: ParentOption = None,
    description: DescriptionOption = "",
    as_json: JsonOption = False,
) -> None:
    """Fetch every page of a JSON API into a new dataset version (nothing is stored on failure)."""
    from loopml.data import RetryPolicy, ingest_http

    with _progress("pages") as on_page:
        version = ingest_http(
            url,
            name=name,
            records_path=records_path,
            pagination=_pagination(pagination, page_param, page_size, size_param, cursor_path),
            max_pages=max_pages,
            params=parse_pairs(param, option="--param"),
            headers_from_env=_pairs(header_from_env, "--header-from-env", "HEADER=ENV_VAR"),
            rate_limit_per_s=rate_limit,
            retry=RetryPolicy(max_retries=retries),
            timeout=timeout,
            parents=parent or (),
            description=description,
            on_page=on_page,
        )
    report_version(version, as_json=as_json)


def ingest_web_command(
    url: Annotated[str, typer.Argument(help="Where the crawl starts (http:// or https://).")],
    name: NameOption,
    extract: Annotated[
        list[str] | None,
        typer.Option(
            "--extract",
            help="COLUMN=CSS selector, one row per page (repeat); 'a.more@href' takes an "
            "attribute.",
        ),
    ] = None,
    table_selector: Annotated[
        str | None,
        typer.Option("--table", help="CSS selector of tables whose rows become the rows."),
    ] = None,
    allow_domain: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-domain", help="Domain to stay on, with subdomains (repeat; default: start's)."
        ),
    ] = None,
    max_pages: Annotated[int, typer.Option("--max-pages", help="At most this many pages.")] = 100,
    max_depth: Annotated[
        int, typer.Option("--max-depth", help="Links away from the start page (0: only it).")
    ] = 2,
    follow: Annotated[
        str, typer.Option("--follow", help="CSS selector of the links to follow.")
    ] = "a[href]",
    no_follow: Annotated[
        bool, typer.Option("--no-follow", help="Fetch the start page only.")
    ] = False,
    min_delay: Annotated[
        float,
        typer.Option(
            "--min-delay", help="Seconds between requests to one host (robots.txt may ask more)."
        ),
    ] = 1.0,
    user_agent: Annotated[
        str | None, typer.Option("--user-agent", help="Who is crawling (default: loopml/...).")
    ] = None,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", help="Skip pages longer than this many bytes.")
    ] = 5_000_000,
    timeout: TimeoutOption = 30.0,
    parent: ParentOption = None,
    description: DescriptionOption = "",
    as_json: JsonOption = False,
) -> None:
    """Crawl a site politely (robots.txt always obeyed) into a new dataset version."""
    from loopml.data import crawl

    with _progress("pages") as on_page:
        version = crawl(
            url,
            name=name,
            allowed_domains=allow_domain or None,
            user_agent=user_agent,
            max_pages=max_pages,
            max_depth=max_depth,
            follow=None if no_follow else follow,
            extract=_pairs(extract, "--extract", "COLUMN=SELECTOR"),
            table_selector=table_selector,
            min_delay_s=min_delay,
            max_bytes_per_page=max_bytes,
            timeout=timeout,
            parents=parent or (),
            description=description,
            on_page=on_page,
        )
    report_version(version, as_json=as_json)


def _pagination(
    style: PaginationStyle,
    page_param: str | None,
    page_size: int | None,
    size_param: str | None,
    cursor_path: str | None,
) -> Pagination | None:
    from loopml.core import InvalidValueError
    from loopml.data import (
        CursorPagination,
        LinkHeaderPagination,
        OffsetPagination,
        PagePagination,
    )

    if style is PaginationStyle.page:
        return PagePagination(param=page_param or "page", size_param=size_param, size=page_size)
    if style is PaginationStyle.offset:
        return OffsetPagination(
            offset_param=page_param or "offset",
            limit_param=size_param or "limit",
            limit=100 if page_size is None else page_size,
        )
    if style is PaginationStyle.cursor:
        if not cursor_path:
            raise InvalidValueError("--pagination cursor needs --cursor-path (e.g. meta.next)")
        return CursorPagination(cursor_path, param=page_param or "cursor")
    if style is PaginationStyle.link:
        return LinkHeaderPagination()
    return None


def _pairs(values: list[str] | None, option: str, shape: str) -> dict[str, str] | None:
    """Like :func:`parse_pairs`, with the expected shape named in the error."""
    from loopml.core import InvalidValueError

    if not values:
        return None
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise InvalidValueError(f"{option} takes {shape}, not {value!r}")
        pairs[key.strip()] = rest
    return pairs


@contextmanager
def _progress(unit: str) -> Iterator[Callable[[int, int], None]]:
    """A transient spinner on stderr counting pages and rows while the ingest runs."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    if not error_console.is_terminal:  # piped: keep stderr for the one-line error
        yield lambda pages, rows: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"0 {unit}", total=None)

        def on_page(pages: int, rows: int) -> None:
            progress.update(task, description=f"{pages} {unit}, {rows:,} rows")

        yield on_page

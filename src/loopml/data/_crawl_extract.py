"""What a crawler takes from one HTML page: links to follow, fields by CSS selector, table rows.

Pure functions of the page's bytes (BeautifulSoup with the standard ``html.parser`` and
soupsieve selectors), so they are tested without a server and reused by any collector.
Every value is text with runs of whitespace collapsed; typing columns is the cleaning step's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

import soupsieve
from bs4 import BeautifulSoup, Tag

from loopml.core import InvalidValueError

_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_ATTRIBUTE_SUFFIX = re.compile(r"@([A-Za-z_:][\w:.-]*)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_INVISIBLE = ("script", "style", "noscript", "template")


@dataclass(frozen=True)
class FieldSelector:
    """One output column: the text (or an attribute) of the first element matching ``css``."""

    column: str
    css: str
    attribute: str | None = None


def check_selector(css: object, *, what: str) -> str:
    """Return ``css`` if soupsieve can compile it, else raise :class:`InvalidValueError`."""
    if not isinstance(css, str) or not css.strip():
        raise InvalidValueError(f"{what} must be a non-empty CSS selector, not {css!r}")
    try:
        soupsieve.compile(css)
    except soupsieve.SelectorSyntaxError as exc:
        first_line = str(exc).splitlines()[0]
        raise InvalidValueError(
            f"{what} {css!r} is not a valid CSS selector: {first_line}"
        ) from None
    return css


def field_selectors(extract: Mapping[str, str]) -> list[FieldSelector]:
    """``{"column": "css"}`` or ``{"column": "css@attribute"}`` as checked selectors."""
    if not isinstance(extract, Mapping) or not extract:
        raise InvalidValueError(
            "extract must map column names to CSS selectors, e.g. {'title': 'h1'}; "
            f"got {extract!r}"
        )
    fields = []
    for column, spec in extract.items():
        if not isinstance(column, str) or not column:
            raise InvalidValueError(f"extract column names must be non-empty strings: {column!r}")
        if not isinstance(spec, str):
            raise InvalidValueError(f"the selector for {column!r} must be a string, not {spec!r}")
        css, attribute = spec, None
        match = _ATTRIBUTE_SUFFIX.search(spec)
        if match:
            css, attribute = spec[: match.start()], match.group(1)
        check_selector(css, what=f"the selector for {column!r}")
        fields.append(FieldSelector(column, css, attribute))
    return fields


def normalize_url(url: str) -> str | None:
    """A canonical form for de-duplication; None unless http(s) with a host.

    Drops the fragment, lower-cases scheme and host, drops a default port, and writes an empty
    path as ``/``. The query is kept as it is (its order can matter to the server).
    """
    url, _fragment = urldefrag(url.strip())
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def parse_html(content: bytes, content_type: str | None) -> BeautifulSoup:
    """The page as a soup; the charset from the Content-Type header wins, else it is detected."""
    match = _CHARSET.search(content_type or "")
    return BeautifulSoup(content, "html.parser", from_encoding=match.group(1) if match else None)


def meta_robots(soup: BeautifulSoup, user_agent: str) -> set[str]:
    """Directives of ``<meta name="robots">`` (and of our own agent's name): noindex, nofollow."""
    agent = user_agent.split("/")[0].strip().lower()
    directives: set[str] = set()
    for meta in soup.find_all("meta"):
        if not isinstance(meta, Tag):
            continue
        name = str(meta.get("name") or "").strip().lower()
        if name in ("robots", agent):
            content = str(meta.get("content") or "").lower()
            directives.update(d.strip() for d in content.split(","))
    if "none" in directives:
        directives.update({"noindex", "nofollow"})
    return directives


def page_links(soup: BeautifulSoup, page_url: str, selector: str) -> list[str]:
    """Absolute URLs of the ``href`` of elements matching ``selector``, in page order.

    Relative links are resolved against ``<base href>`` when the page has one. Links marked
    ``rel="nofollow"`` are left out. Not filtered by scheme or domain: the caller does that.
    """
    base = page_url
    base_tag = soup.find("base", href=True)
    if isinstance(base_tag, Tag):
        base = urljoin(page_url, str(base_tag["href"]))
    links = []
    for element in soup.select(selector):
        href = element.get("href")
        if not isinstance(href, str) or not href.strip():
            continue
        if "nofollow" in (word.lower() for word in _words(element.get("rel"))):
            continue
        links.append(urljoin(base, href.strip()))
    return links


def field_row(soup: BeautifulSoup, fields: list[FieldSelector]) -> dict[str, str | None]:
    """One row: for each field, the text (or attribute) of the first match, None when none."""
    row: dict[str, str | None] = {}
    for field in fields:
        element = soup.select_one(field.css)
        if element is None:
            row[field.column] = None
        elif field.attribute:
            value = element.get(field.attribute)
            row[field.column] = None if value is None else _squash(" ".join(_words(value)))
        else:
            row[field.column] = _squash(element.get_text(" "))
    return row


def title_and_text(soup: BeautifulSoup) -> dict[str, str | None]:
    """The page's ``<title>`` and its visible text (scripts and styles left out)."""
    title = soup.title.get_text(" ") if soup.title else None
    for hidden in soup.find_all(_INVISIBLE):
        hidden.decompose()
    body = soup.body or soup
    return {"title": _squash(title) if title else None, "text": _squash(body.get_text(" "))}


def table_rows(soup: BeautifulSoup, selector: str) -> list[dict[str, str | None]]:
    """Data rows of every table matching ``selector`` (or inside an element matching it).

    The header is the ``<thead>`` row or a first row made only of ``<th>``; without one the
    columns are ``col_1``, ``col_2``, ... A cell with ``colspan=n`` fills n columns.
    Nested tables are separate tables.
    """
    rows: list[dict[str, str | None]] = []
    for match in soup.select(selector):
        tables = [match] if match.name == "table" else match.find_all("table")
        for table in tables:
            if isinstance(table, Tag):
                rows.extend(_rows_of(table))
    return rows


def _rows_of(table: Tag) -> list[dict[str, str | None]]:
    own_rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    header: list[str] | None = None
    rows: list[dict[str, str | None]] = []
    for tr in own_rows:
        cells = [c for c in tr.find_all(["td", "th"], recursive=False) if isinstance(c, Tag)]
        if not cells:
            continue
        values = []
        for cell in cells:
            span = str(cell.get("colspan") or "1")
            values.extend([_squash(cell.get_text(" "))] * (int(span) if span.isdigit() else 1))
        in_head = tr.find_parent("thead") is not None
        if header is None and not rows and (in_head or all(c.name == "th" for c in cells)):
            header = _unique_names(values)
            continue
        names = header or []
        names = names + [f"col_{i + 1}" for i in range(len(names), len(values))]
        rows.append({names[i]: value for i, value in enumerate(values)})
    return rows


def _unique_names(values: list[str]) -> list[str]:
    names: list[str] = []
    for index, value in enumerate(values):
        name = value or f"col_{index + 1}"
        candidate, n = name, 2
        while candidate in names:
            candidate, n = f"{name}_{n}", n + 1
        names.append(candidate)
    return names


def _words(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _squash(text: str) -> str:
    return " ".join(text.split())

"""Opening a local page in Chromium while watching what a reader's browser would notice.

Every browser test asks the same three questions of a report: did a script fail (page errors,
console errors), did anything try to leave the machine (a request that is not a file, data or
blob URL: the page must work offline), and did the plots draw. This opens the page with the
first two recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCAL_SCHEMES = ("file://", "data:", "about:", "blob:")


@dataclass
class WatchedPage:
    """A loaded page, the errors its scripts raised, and the requests that left the machine."""

    page: Any
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def open_watched(browser: Any, path: Path, *, width: int = 1280, height: int = 900) -> WatchedPage:
    """Open ``path`` in a new page of ``browser`` (the ``browser`` fixture) and wait for load."""
    page = browser.new_page(viewport={"width": width, "height": height})
    watched = WatchedPage(page)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on(
        "console",
        lambda message: watched.errors.append(message.text) if message.type == "error" else None,
    )
    page.on(
        "request",
        lambda request: (
            watched.outside.append(request.url)
            if not request.url.startswith(LOCAL_SCHEMES)
            else None
        ),
    )
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return watched

"""Writing a file so that a reader never sees half of it: write a sibling, then rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomically(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path``: all of it or, if anything fails, nothing.

    The text goes to a temporary file in the same folder, renamed over ``path`` only once it is
    complete (a rename within one file system is atomic), so a crash never leaves a truncated
    report, schema or page behind. The folder must exist.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target

"""sha256 of bytes, files and streams: the identity of every blob loopml stores."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 20
_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_stream(stream: BinaryIO) -> str:
    """Hex sha256 of everything left in ``stream``, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of the file at ``path``."""
    with open(path, "rb") as stream:
        return sha256_stream(stream)


def is_digest(value: str) -> bool:
    """True when ``value`` is a lowercase hex sha256 (the only form loopml stores)."""
    return bool(_DIGEST_RE.match(value))

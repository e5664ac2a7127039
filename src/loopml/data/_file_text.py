"""Text files as readers see them: encoding detection, strict decoding to UTF-8, hashing.

A CSV or JSON Lines file is read once, through :class:`DecodedStream`, which at the same time

- hashes the bytes on disk (the sha256 recorded in the source, of exactly the bytes read),
- checks that they are valid in the file's encoding, raising an error that names the file, the
  encoding, the byte offset and the line of the first byte that is not, and
- hands the reader UTF-8 (a UTF-8 file passes through untouched, others are transcoded).

Encodings are detected on the first :data:`SNIFF_BYTES`: a byte-order mark decides; else text that
is valid UTF-8 is UTF-8 (ASCII included); else charset-normalizer guesses. A guess can only be as
good as the sample, so every error says how to give the encoding instead.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import charset_normalizer

from loopml.core import InvalidValueError

SNIFF_BYTES = 1 << 16
_READ_BYTES = 1 << 20
_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_PREFERRED = ("cp1252", "latin_1")
DELIMITERS = ",;\t|"


def normalize_encoding(encoding: str) -> str:
    """Python's canonical name of ``encoding`` (``"UTF8"`` -> ``"utf-8"``).

    Raises:
        InvalidValueError: Python knows no such encoding.
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InvalidValueError(
            f"unknown encoding {encoding!r}; use a Python codec name such as utf-8, cp1252, "
            "latin-1, utf-16"
        ) from None
    return "utf-8" if name == "utf-8-sig" else name


def read_sample(path: Path) -> bytes:
    """The first :data:`SNIFF_BYTES` of ``path``."""
    with open(path, "rb") as stream:
        return stream.read(SNIFF_BYTES)


def detect_encoding(path: Path, sample: bytes) -> str:
    """The encoding of the file whose first bytes are ``sample``.

    Raises:
        InvalidValueError: the sample looks binary or matches no encoding.
    """
    for mark, name in _BOMS:
        if sample.startswith(mark):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in sample:
        raise InvalidValueError(
            f"{path} looks binary (it has NUL bytes and no byte-order mark), not text"
        )
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None:
        raise InvalidValueError(
            f"{path}: cannot tell its text encoding from the first {len(sample):,} bytes; "
            "pass encoding=... (CLI: --encoding)"
        )
    # On a short sample several encodings fit equally well; prefer the common Western ones.
    tied = [
        m
        for m in matches
        if (m.percent_chaos, m.percent_coherence) == (best.percent_chaos, best.percent_coherence)
    ]
    for preferred in _PREFERRED:
        if any(preferred in m.could_be_from_charset for m in tied):
            return normalize_encoding(preferred)
    return normalize_encoding(best.encoding)


def decode_sample(sample: bytes, encoding: str, *, whole_file: bool) -> str:
    """The sample as text, cut after its last complete line unless it is the whole file."""
    text = codecs.getincrementaldecoder(encoding)("replace").decode(sample, final=whole_file)
    text = text.lstrip("\ufeff")
    if not whole_file and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text


def sniff_delimiter(text: str) -> str | None:
    """The field delimiter of CSV ``text`` among ``, ; TAB |``, or None when it cannot tell.

    ``csv.Sniffer`` decides when it can (it understands quoted fields); when the lines disagree
    (a malformed row in the sample), the candidate found most often in the first line wins.
    """
    lines = text.splitlines()[:100]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    counts = {candidate: lines[0].count(candidate) for candidate in DELIMITERS} if lines else {}
    best = max(counts, key=lambda candidate: counts[candidate], default=None)
    return best if best is not None and counts[best] > 0 else None


class DecodedStream(io.RawIOBase):
    """A text file read as UTF-8 bytes, hashed and strictly decoded on the way.

    Args:
        path: the file.
        encoding: its encoding (a Python codec name).
        advice: how to fix a decoding error, appended to its message.
        on_bytes: called with the number of bytes read from disk after each read (progress).
    """

    def __init__(
        self,
        path: Path,
        encoding: str,
        *,
        advice: str,
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.encoding = normalize_encoding(encoding)
        self.size = 0
        self._advice = advice
        self._on_bytes = on_bytes
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._digest = hashlib.sha256()
        self._decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        self._passthrough = self.encoding == "utf-8"
        self._pending = bytearray()
        self._newlines = 0
        self._eof = False

    @property
    def sha256(self) -> str:
        """Hex sha256 of the bytes read so far (of the whole file once it was read to the end)."""
        return self._digest.hexdigest()

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._file.close()
        super().close()

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            while not self._eof:
                self._fill()
            size = len(self._pending)
        while len(self._pending) < size and not self._eof:
            self._fill()
        out = bytes(self._pending[:size])
        del self._pending[:size]
        return out

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self.read(-1)

    def _fill(self) -> None:
        raw = self._file.read(_READ_BYTES)
        start = self.size
        if not raw:
            self._eof = True
        else:
            self.size += len(raw)
            self._digest.update(raw)
            if self._on_bytes is not None:
                self._on_bytes(len(raw))
        if start == 0 and self._passthrough and raw.startswith(codecs.BOM_UTF8):
            self._decode(raw[:3], start)
            raw, start = raw[3:], start + 3
        text = self._decode(raw, start)
        if self._passthrough:
            self._newlines += raw.count(b"\n")
            self._pending += raw
        else:
            self._newlines += text.count("\n")
            self._pending += text.encode("utf-8")

    def _decode(self, raw: bytes, start: int) -> str:
        held = self._decoder.getstate()[0]
        if self._passthrough and not held and raw.isascii() and not self._eof:
            return ""  # ASCII is valid UTF-8; the text itself is not needed when passing through
        try:
            return self._decoder.decode(raw, final=self._eof)
        except UnicodeDecodeError as exc:
            raise self._error(exc, start - len(held)) from None

    def _error(self, exc: UnicodeDecodeError, base: int) -> InvalidValueError:
        offset = base + exc.start
        before = bytes(exc.object[: exc.start])
        line = self._newlines + before.decode(self.encoding, errors="replace").count("\n") + 1
        bad = bytes(exc.object[exc.start : max(exc.end, exc.start + 1)][:8])
        return InvalidValueError(
            f"{self.path} is not valid {self.encoding}: byte {offset:,} (line {line:,}) is "
            f"{bad!r} ({exc.reason}); {self._advice}"
        )

"""The artifact store: immutable blobs addressed by their sha256 on any fsspec file system.

Layout under the root URL::

    objects/ab/cdef...   one blob, named by its sha256 (first two hex digits as a fan-out folder)
    tmp/<random>         uploads in progress; renamed into objects/ once complete

A blob is written to ``tmp/`` and moved into place only when all its bytes are there, so a
crash never leaves a half-written object under its digest. Identical content is stored once.
Every read re-hashes the bytes and raises :class:`~loopml.core.IntegrityError` on a mismatch.

A *tree* (a folder, such as a saved model) is stored as a JSON manifest blob listing each
file's relative name, digest and size; the manifest's digest names the tree.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from loopml.core import ArtifactError, IntegrityError, InvalidValueError, is_digest
from loopml.store._paths import files_in_tree, join_inside, safe_relative_path

TREE_FORMAT = "loopml.tree/1"
_CHUNK = 1 << 20


class ArtifactStore:
    """Content-addressed blobs under one fsspec URL (a local folder by default)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._fs: Any = None
        self._root = ""

    def __repr__(self) -> str:
        return f"ArtifactStore({self.url!r})"

    @property
    def fs(self) -> Any:
        """The fsspec file system, resolved on first use."""
        if self._fs is None:
            import fsspec

            self._fs, self._root = fsspec.core.url_to_fs(self.url)
            self._root = self._root.rstrip("/")
        return self._fs

    def _object_path(self, digest: str) -> str:
        if not isinstance(digest, str) or not is_digest(digest):
            raise InvalidValueError(f"{digest!r} is not a sha256 digest (64 lowercase hex digits)")
        _ = self.fs
        return f"{self._root}/objects/{digest[:2]}/{digest[2:]}"

    # -- writing ------------------------------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; return its sha256."""
        return self.put_stream(io.BytesIO(data))

    def put_file(self, path: str | Path) -> str:
        """Store the file at ``path``; return its sha256."""
        source = Path(path)
        if not source.is_file():
            raise ArtifactError(f"cannot store {path}: not a file")
        with open(source, "rb") as stream:
            return self.put_stream(stream)

    def put_stream(self, stream: IO[bytes]) -> str:
        """Store everything left in ``stream``; return its sha256."""
        fs = self.fs
        fs.makedirs(f"{self._root}/tmp", exist_ok=True)
        tmp_path = f"{self._root}/tmp/{os.urandom(12).hex()}"
        digest = hashlib.sha256()
        try:
            with fs.open(tmp_path, "wb") as out:
                for chunk in iter(lambda: stream.read(_CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
            hexdigest = digest.hexdigest()
            final = self._object_path(hexdigest)
            if fs.exists(final):
                fs.rm(tmp_path)
            else:
                fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
                fs.mv(tmp_path, final)
        except OSError as exc:
            if fs.exists(tmp_path):
                fs.rm(tmp_path)
            raise ArtifactError(f"cannot write to {self!r}: {exc}") from exc
        return hexdigest

    def put_tree(self, directory: str | Path) -> str:
        """Store every file below ``directory`` and a manifest listing them; return its digest."""
        files = {}
        for name, path in files_in_tree(directory):
            files[name] = {"digest": self.put_file(path), "size": path.stat().st_size}
        manifest = {"format": TREE_FORMAT, "files": files}
        return self.put_bytes(json.dumps(manifest, sort_keys=True).encode())

    # -- reading ------------------------------------------------------------------------------

    def exists(self, digest: str) -> bool:
        """True when a blob with this digest is stored."""
        return bool(self.fs.exists(self._object_path(digest)))

    def size(self, digest: str) -> int:
        """Size in bytes of the blob ``digest``."""
        self._require(digest)
        return int(self.fs.size(self._object_path(digest)))

    def get_bytes(self, digest: str) -> bytes:
        """The bytes of blob ``digest``, after checking they still hash to it."""
        self._require(digest)
        with self.fs.open(self._object_path(digest), "rb") as stream:
            data: bytes = stream.read()
        if hashlib.sha256(data).hexdigest() != digest:
            raise IntegrityError(
                f"artifact {digest} is corrupt: its stored bytes no longer match their sha256"
            )
        return data

    def get_file(self, digest: str, destination: str | Path) -> Path:
        """Copy blob ``digest`` to ``destination``, verifying it; nothing is left on a mismatch."""
        self._require(digest)
        target = Path(destination)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".loopml-")
        try:
            hasher = hashlib.sha256()
            with (
                os.fdopen(handle, "wb") as out,
                self.fs.open(self._object_path(digest), "rb") as src,
            ):
                for chunk in iter(lambda: src.read(_CHUNK), b""):
                    hasher.update(chunk)
                    out.write(chunk)
            if hasher.hexdigest() != digest:
                raise IntegrityError(
                    f"artifact {digest} is corrupt: its stored bytes no longer match their sha256"
                )
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return target

    def read_manifest(self, digest: str) -> dict[str, dict[str, Any]]:
        """The ``{name: {digest, size}}`` files of tree ``digest``."""
        try:
            manifest = json.loads(self.get_bytes(digest))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArtifactError(f"artifact {digest} is not a tree manifest") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != TREE_FORMAT:
            raise ArtifactError(f"artifact {digest} is not a {TREE_FORMAT} manifest")
        files: dict[str, dict[str, Any]] = manifest["files"]
        return files

    def get_tree(self, digest: str, destination: str | Path) -> Path:
        """Unpack tree ``digest`` into ``destination``, verifying every file.

        Names in the manifest go through the same path checks as user names, so a crafted
        manifest cannot write outside ``destination``.
        """
        root = Path(destination)
        root.mkdir(parents=True, exist_ok=True)
        for name, entry in self.read_manifest(digest).items():
            self.get_file(entry["digest"], join_inside(root, safe_relative_path(name)))
        return root

    def local_path(self, digest: str) -> Path | None:
        """The blob's own file, verified, when the store is on the local disk (else None).

        For readers that stream a large blob (DuckDB over a Parquet file) without copying it.
        The file is shared: open it read-only.
        """
        from fsspec.implementations.local import LocalFileSystem

        if not isinstance(self.fs, LocalFileSystem):
            return None
        self.verify(digest)
        return Path(self._object_path(digest))

    def verify(self, digest: str) -> None:
        """Re-hash blob ``digest`` (streaming); raise :class:`IntegrityError` on a mismatch."""
        self._require(digest)
        with self.fs.open(self._object_path(digest), "rb") as src:
            hasher = hashlib.sha256()
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                hasher.update(chunk)
        if hasher.hexdigest() != digest:
            raise IntegrityError(
                f"artifact {digest} is corrupt: its stored bytes no longer match their sha256"
            )

    def _require(self, digest: str) -> None:
        if not self.exists(digest):
            raise ArtifactError(f"artifact {digest} is not in {self!r}")

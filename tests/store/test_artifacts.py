"""The artifact store: content addressing, integrity checks and path safety."""

import json
import os
from pathlib import Path

import pytest

from loopml.core import (
    ArtifactError,
    IntegrityError,
    InvalidValueError,
    UnsafePathError,
    sha256_bytes,
)
from loopml.store import ArtifactStore, join_inside, safe_relative_path


@pytest.fixture
def artifacts(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(str(tmp_path / "store"))


def _object_file(store: ArtifactStore, digest: str) -> Path:
    return Path(store.url) / "objects" / digest[:2] / digest[2:]


def test_put_returns_the_sha256_and_get_returns_the_bytes(artifacts: ArtifactStore) -> None:
    digest = artifacts.put_bytes(b"hello")
    assert digest == sha256_bytes(b"hello")
    assert artifacts.get_bytes(digest) == b"hello"
    assert artifacts.exists(digest)
    assert artifacts.size(digest) == 5


def test_identical_content_is_stored_once(artifacts: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "a.bin"
    source.write_bytes(os.urandom(3_000_000))
    first = artifacts.put_file(source)
    second = artifacts.put_bytes(source.read_bytes())
    assert first == second
    objects = [p for p in (Path(artifacts.url) / "objects").rglob("*") if p.is_file()]
    assert len(objects) == 1
    assert not any((Path(artifacts.url) / "tmp").iterdir())


def test_corrupted_bytes_are_detected_on_every_read(
    artifacts: ArtifactStore, tmp_path: Path
) -> None:
    digest = artifacts.put_bytes(b"the model")
    _object_file(artifacts, digest).write_bytes(b"the mode1")
    with pytest.raises(IntegrityError, match=digest):
        artifacts.get_bytes(digest)
    with pytest.raises(IntegrityError):
        artifacts.verify(digest)
    destination = tmp_path / "out" / "model.bin"
    with pytest.raises(IntegrityError):
        artifacts.get_file(digest, destination)
    assert not destination.exists()
    assert list(destination.parent.iterdir()) == []  # no temporary file left behind


def test_unknown_and_malformed_digests(artifacts: ArtifactStore) -> None:
    with pytest.raises(ArtifactError, match="not in"):
        artifacts.get_bytes("0" * 64)
    for bad in ("../../etc/passwd", "A" * 64, "abc", "0" * 63 + "/"):
        with pytest.raises(InvalidValueError):
            artifacts.get_bytes(bad)


def test_trees_round_trip_and_verify_each_file(artifacts: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "model"
    (source / "sub").mkdir(parents=True)
    (source / "model.skops").write_bytes(b"weights")
    (source / "sub" / "meta.json").write_text("{}")
    digest = artifacts.put_tree(source)
    assert set(artifacts.read_manifest(digest)) == {"model.skops", "sub/meta.json"}
    out = artifacts.get_tree(digest, tmp_path / "out")
    assert (out / "model.skops").read_bytes() == b"weights"
    assert (out / "sub" / "meta.json").read_text() == "{}"


def test_a_link_pointing_out_of_a_tree_is_rejected(
    artifacts: ArtifactStore, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    source = tmp_path / "model"
    source.mkdir()
    (source / "leak").symlink_to(secret)
    with pytest.raises(UnsafePathError, match="outside"):
        artifacts.put_tree(source)


def test_a_link_inside_the_tree_is_followed(artifacts: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "model"
    source.mkdir()
    (source / "real.txt").write_text("x")
    (source / "alias.txt").symlink_to(source / "real.txt")
    digest = artifacts.put_tree(source)
    assert set(artifacts.read_manifest(digest)) == {"alias.txt", "real.txt"}


def test_a_crafted_manifest_cannot_write_outside_the_destination(
    artifacts: ArtifactStore, tmp_path: Path
) -> None:
    inner = artifacts.put_bytes(b"x")
    manifest = {"format": "loopml.tree/1", "files": {"../escape.txt": {"digest": inner, "size": 1}}}
    digest = artifacts.put_bytes(json.dumps(manifest).encode())
    with pytest.raises(UnsafePathError):
        artifacts.get_tree(digest, tmp_path / "dest")
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize(
    "name",
    ["", "  ", "/etc/passwd", "../x", "a/../../x", "a/..", "C:\\x", "a\\b", "a\x00b", "a\nb"],
)
def test_unsafe_names_are_rejected(name: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_relative_path(name)


@pytest.mark.parametrize(
    ("name", "normalised"),
    [("a.txt", "a.txt"), ("./a//b.txt", "a/b.txt"), ("plots/roc#1.png", "plots/roc#1.png")],
)
def test_safe_names_are_normalised(name: str, normalised: str) -> None:
    assert safe_relative_path(name) == normalised


def test_join_inside_refuses_a_link_in_the_destination(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "out").symlink_to(tmp_path)
    with pytest.raises(UnsafePathError, match="through a link"):
        join_inside(dest, "out/x.txt")
    assert join_inside(dest, "ok/x.txt") == (dest / "ok" / "x.txt").resolve()


def test_memory_filesystem_urls_work() -> None:
    store = ArtifactStore("memory://loopml-test-store")
    digest = store.put_bytes(b"remote")
    assert store.get_bytes(digest) == b"remote"

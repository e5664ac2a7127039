import hashlib
import io
from pathlib import Path

from loopml.core import is_digest, new_id, sha256_bytes, sha256_file, sha256_stream


def test_ids_are_unique_hex_and_sort_by_creation_time() -> None:
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert [i[:12] for i in ids] == sorted(i[:12] for i in ids)


def test_hashes_agree_with_hashlib(tmp_path: Path) -> None:
    data = b"loopml" * 1_000_000
    expected = hashlib.sha256(data).hexdigest()
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_bytes(data) == sha256_stream(io.BytesIO(data)) == sha256_file(path) == expected
    assert is_digest(expected)
    assert not is_digest(expected.upper())
    assert not is_digest("../" + expected[3:])

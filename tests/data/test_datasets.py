"""Versioned datasets: content hashing, versions, parents, verified loads, bad input."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import loopml
from loopml.core import IntegrityError, InvalidValueError, NotFoundError
from loopml.data import content_hash, list_dataset_versions, list_datasets
from loopml.store import Stores


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, 500),
            "income": rng.normal(50_000, 10_000, 500),
            "city": rng.choice(["Boston", "Worcester", None], 500),
            "employed": rng.integers(0, 2, 500).astype(bool),
        }
    )


def test_log_and_load_round_trip(stores: Stores, frame: pd.DataFrame) -> None:
    version = loopml.log_dataset(frame, name="people", source={"kind": "test"})
    assert version.version == 1
    assert version.num_rows == 500
    assert version.columns == ["age", "income", "city", "employed"]
    assert version.uri == "datasets:/people/1"
    assert version.source == {"kind": "test"}
    pd.testing.assert_frame_equal(loopml.load_dataset("people"), frame)


def test_identical_content_gives_the_same_version(stores: Stores, frame: pd.DataFrame) -> None:
    first = loopml.log_dataset(frame, name="people")
    again = loopml.log_dataset(frame.copy(), name="people")
    as_arrow = loopml.log_dataset(pa.Table.from_pandas(frame, preserve_index=False), name="people")
    assert first.id == again.id == as_arrow.id
    changed = frame.copy()
    changed.loc[0, "age"] += 1
    second = loopml.log_dataset(changed, name="people", parents=[first])
    assert second.version == 2 and second.parents == [first.id]
    assert [v.version for v in list_dataset_versions("people")] == [1, 2]
    assert [(d.dataset, d.version) for d in list_datasets()] == [("people", 2)]
    assert loopml.get_dataset("people").id == second.id
    assert loopml.get_dataset("people", 1).id == first.id


def test_hash_ignores_chunking_but_not_types() -> None:
    table = pa.table({"x": [1, 2, 3, 4]})
    chunked = pa.concat_tables([table.slice(0, 2), table.slice(2)])
    assert content_hash(table) == content_hash(chunked)
    assert content_hash(table) != content_hash(table.cast(pa.schema([("x", pa.float64())])))


def test_a_corrupted_parquet_file_is_detected(stores: Stores, frame: pd.DataFrame) -> None:
    version = loopml.log_dataset(frame, name="people")
    root = Path(stores.artifacts.url)
    blob = root / "objects" / version.artifact_digest[:2] / version.artifact_digest[2:]
    blob.write_bytes(blob.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(IntegrityError):
        loopml.load_dataset("people")


def test_unknown_names_and_versions_list_what_exists(stores: Stores, frame: pd.DataFrame) -> None:
    loopml.log_dataset(frame, name="people")
    with pytest.raises(NotFoundError, match="available: people"):
        loopml.get_dataset("peeple")
    with pytest.raises(NotFoundError, match="available: 1"):
        loopml.get_dataset("people", 7)
    with pytest.raises(NotFoundError, match="dataset version"):
        loopml.log_dataset(frame.head(3), name="people", parents=["0" * 32])
    assert [v.version for v in list_dataset_versions("people")] == [1]  # nothing half-written


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (pd.DataFrame({"a": [1]}), "bad name!", "dataset name"),
        (pd.DataFrame({"a": [1]}), "", "dataset name"),
        ([1, 2, 3], "ok", "iterable of pyarrow RecordBatches"),
        ("a string", "ok", "RecordBatchReader"),
        ([], "ok", "at least one"),
        (pd.DataFrame({0: [1]}), "ok", "named by strings"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "ok", "duplicate column"),
        (pd.DataFrame({"a": [object()]}), "ok", "cannot store"),
    ],
)
def test_bad_input(stores: Stores, data: object, name: str, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        loopml.log_dataset(data, name=name)  # type: ignore[arg-type]
    assert list_datasets() == []


def test_a_stream_of_batches_gives_the_same_version_as_the_whole_table(
    stores: Stores, frame: pd.DataFrame
) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    whole = loopml.log_dataset(table, name="people")
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=37))
    streamed = loopml.log_dataset(reader, name="people")
    as_generator = loopml.log_dataset(iter(table.to_batches(max_chunksize=101)), name="people")
    assert whole.id == streamed.id == as_generator.id
    assert streamed.num_rows == 500


def test_a_stream_that_fails_midway_records_nothing(stores: Stores, frame: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)

    def batches():  # type: ignore[no-untyped-def]
        yield table.slice(0, 100).to_batches()[0]
        raise OSError("the source went away")

    with pytest.raises(OSError, match="went away"):
        loopml.log_dataset(batches(), name="people")
    assert list_datasets() == []


def test_a_batch_with_other_columns_is_refused(stores: Stores) -> None:
    first = pa.record_batch({"a": [1, 2]})
    other = pa.record_batch({"b": ["x"]})
    with pytest.raises(InvalidValueError, match="same columns"):
        loopml.log_dataset([first, other], name="mixed")
    assert list_datasets() == []


def test_dataset_path_is_a_verified_local_parquet_file(stores: Stores, frame: pd.DataFrame) -> None:
    import pyarrow.parquet as pq

    from loopml.data import dataset_path

    version = loopml.log_dataset(frame, name="people")
    with dataset_path("people") as path:
        assert pq.ParquetFile(path).metadata.num_rows == 500
    with dataset_path(version) as path:
        path.chmod(0o644)
        path.write_bytes(b"garbage")
    with pytest.raises(IntegrityError), dataset_path("people"):
        pass


def test_streamed_small_batches_become_few_row_groups(stores: Stores) -> None:
    import pyarrow.parquet as pq

    from loopml.data import dataset_path

    batches = [pa.record_batch({"x": list(range(i * 1000, (i + 1) * 1000))}) for i in range(300)]
    version = loopml.log_dataset(iter(batches), name="many-batches")
    with dataset_path(version) as path:
        metadata = pq.ParquetFile(path).metadata
    assert metadata.num_rows == 300_000
    assert metadata.num_row_groups == 3  # 131,072-row groups, not 300 groups of 1,000


def test_an_unknown_parent_fails_before_the_stream_is_read(stores: Stores) -> None:
    consumed = []

    def batches():  # type: ignore[no-untyped-def]
        consumed.append(True)
        yield pa.record_batch({"x": [1]})

    with pytest.raises(NotFoundError, match="dataset version"):
        loopml.log_dataset(batches(), name="orphan", parents=["f" * 32])
    assert consumed == [True]  # only the first batch, for the schema

"""load_model: URI forms, sha256 checks before anything is deserialized, and lookup errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from loopml.core import ArtifactError, IntegrityError, InvalidValueError, NotFoundError
from loopml.registry import ModelUri, get_model_version, load_model, register_model, set_alias
from loopml.store import Stores
from tests.registry.conftest import object_path


@pytest.fixture
def two_versions(stores: Stores, pipeline: Pipeline, lgbm: object) -> None:
    register_model(pipeline, "churn")
    register_model(lgbm, "churn", aliases=["champion"])
    set_alias("churn", "challenger", version=1)


@pytest.mark.parametrize(
    ("reference", "expected_class"),
    [
        ("models:/churn/1", "Pipeline"),
        ("models:/churn/2", "LGBMClassifier"),
        ("models:/churn@champion", "LGBMClassifier"),
        ("models:/churn@challenger", "Pipeline"),
        ("models:/churn/latest", "LGBMClassifier"),
        ("churn", "LGBMClassifier"),
        (ModelUri("churn", version=1), "Pipeline"),
    ],
)
def test_every_uri_form_loads_its_version(
    stores: Stores, two_versions: None, reference: str | ModelUri, expected_class: str
) -> None:
    assert type(load_model(reference)).__name__ == expected_class


def test_a_model_version_record_loads_too(
    stores: Stores, pipeline: Pipeline, churn_data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    frame, _ = churn_data
    version = register_model(pipeline, "churn")
    loaded = load_model(version, stores=stores)
    np.testing.assert_array_equal(loaded.predict_proba(frame), pipeline.predict_proba(frame))


def test_a_corrupted_model_file_raises_integrity_error(stores: Stores, pipeline: Pipeline) -> None:
    version = register_model(pipeline, "churn")
    manifest = stores.artifacts.read_manifest(version.artifact_digest)
    blob = object_path(stores, manifest["model.skops"]["digest"])
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped bit, same size
    blob.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="no longer match their sha256"):
        load_model("models:/churn/1")


def test_a_corrupted_manifest_raises_integrity_error(stores: Stores, pipeline: Pipeline) -> None:
    version = register_model(pipeline, "churn")
    manifest_blob = object_path(stores, version.artifact_digest)
    manifest_blob.write_bytes(manifest_blob.read_bytes().replace(b"model.skops", b"evil.skops"))
    with pytest.raises(IntegrityError):
        load_model("models:/churn/1")


def test_a_missing_model_file_raises_artifact_error(stores: Stores, pipeline: Pipeline) -> None:
    version = register_model(pipeline, "churn")
    manifest = stores.artifacts.read_manifest(version.artifact_digest)
    object_path(stores, manifest["loopml-model.json"]["digest"]).unlink()
    with pytest.raises(ArtifactError, match="is not in"):
        load_model("models:/churn/1")


def test_a_folder_that_disagrees_with_its_record_is_refused(
    stores: Stores, pipeline: Pipeline, swap_version_folder: Callable[..., None]
) -> None:
    from loopml.core import ModelLoadError

    register_model(pipeline, "churn")

    def rename_flavor(folder: Path) -> None:
        spec = folder / "loopml-model.json"
        spec.write_text(spec.read_text().replace('"sklearn"', '"python_function"'))

    swap_version_folder("churn", 1, rename_flavor)
    with pytest.raises(ModelLoadError, match="another configuration than the version record"):
        load_model("models:/churn/1")


def test_unknown_models_versions_and_aliases_name_what_exists(
    stores: Stores, two_versions: None
) -> None:
    with pytest.raises(NotFoundError, match="model 'chrun' not found; available: churn"):
        load_model("models:/chrun/1")
    with pytest.raises(NotFoundError, match=r"model version 'churn/7' not found; available: 1, 2"):
        load_model("models:/churn/7")
    with pytest.raises(
        NotFoundError, match=r"alias 'churn@champ' not found; available: champion, challenger"
    ):
        load_model("models:/churn@champ")
    with pytest.raises(NotFoundError, match="model 'nope'"):
        load_model("nope")


@pytest.mark.parametrize("reference", ["models:/churn", "models:/churn/x", "a/b", "s3://x", 3])
def test_malformed_references_are_refused(stores: Stores, reference: object) -> None:
    with pytest.raises(InvalidValueError):
        load_model(reference)  # type: ignore[arg-type]


def test_loading_does_not_change_what_is_stored(stores: Stores, pipeline: Pipeline) -> None:
    version = register_model(pipeline, "churn")
    load_model("churn")
    assert get_model_version("churn", 1) == version

"""The model folder format: versioned spec file, and refusal of what this loopml cannot read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from loopml.core import ModelLoadError
from loopml.registry import load_model, register_model
from loopml.store import Stores
from tests.registry.custom_models import Threshold


def _edit_spec(change: Callable[[dict[str, object]], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        spec_path = folder / "loopml-model.json"
        spec = json.loads(spec_path.read_text())
        change(spec)
        spec_path.write_text(json.dumps(spec))

    return edit


def test_a_version_one_folder_written_by_hand_loads(
    stores: Stores, swap_version_folder: Callable[..., None]
) -> None:
    """The format as documented, not as today's writer happens to produce it."""
    config = {
        "class": "tests.registry.custom_models:Threshold",
        "config": {"column": "x", "cutoff": 1.0, "labels": None},
        "artifacts": {},
    }
    register_model(Threshold("x"), "rules")

    def write_v1(folder: Path) -> None:
        (folder / "loopml-model.json").write_text(
            json.dumps(
                {
                    "format": "loopml.model/1",
                    "flavor": "python_function",
                    "flavor_config": config,
                    "signature": {},
                }
            )
        )

    swap_version_folder("rules", 1, write_v1, flavor_config=config)
    assert load_model("rules").cutoff == 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda spec: spec.update(format="loopml.model/2"), "format 'loopml.model/2'"),
        (lambda spec: spec.pop("format"), "format None"),
        (lambda spec: spec.pop("flavor_config"), "lacks a flavor"),
    ],
)
def test_unreadable_specs_are_refused(
    stores: Stores,
    swap_version_folder: Callable[..., None],
    change: Callable[[dict[str, object]], None],
    message: str,
) -> None:
    register_model(Threshold("x"), "rules")
    swap_version_folder("rules", 1, _edit_spec(change))
    with pytest.raises(ModelLoadError, match=message):
        load_model("rules")


def test_a_folder_without_spec_or_with_broken_json_is_refused(
    stores: Stores, swap_version_folder: Callable[..., None]
) -> None:
    register_model(Threshold("x"), "rules")
    register_model(Threshold("x"), "rules")
    swap_version_folder("rules", 1, lambda folder: (folder / "loopml-model.json").unlink())
    swap_version_folder(
        "rules", 2, lambda folder: (folder / "loopml-model.json").write_text("{not json")
    )
    with pytest.raises(ModelLoadError, match="has no loopml-model.json"):
        load_model("models:/rules/1")
    with pytest.raises(ModelLoadError, match="not valid JSON"):
        load_model("models:/rules/2")


def test_an_unknown_flavor_is_refused(
    stores: Stores, swap_version_folder: Callable[..., None]
) -> None:
    register_model(Threshold("x"), "rules")
    swap_version_folder("rules", 1, _edit_spec(lambda spec: spec.update(flavor="torch")))
    with stores.metadata.session(write=True) as session:
        from loopml.store import models

        session.query(models.ModelVersionRow).update({"flavor": "torch"})
    with pytest.raises(ModelLoadError, match="unknown flavor 'torch'"):
        load_model("rules")

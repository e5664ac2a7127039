"""Fitted candidates between pipeline steps: stored as the registry stores a version.

A candidate trained in one step is evaluated and perhaps registered in later ones, possibly in
a later process (a resumed run). It is written as a registry model folder (skops, the trusted
types recorded at save time, never pickle) into the content-addressed artifact store; the step
output keeps only the digest and flavor config, and loading verifies every file's sha256 first.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from loopml.registry._package import choose_flavor, load_model_folder, write_model_folder
from loopml.store import Stores


def save_fitted(model: Any, *, stores: Stores) -> dict[str, Any]:
    """Store ``model``; return the JSON reference a step output keeps."""
    flavor = choose_flavor(model, None)
    with tempfile.TemporaryDirectory(prefix="loopml-fitted-") as folder:
        spec = write_model_folder(model, Path(folder), flavor=flavor, signature={}, artifacts={})
        digest = stores.artifacts.put_tree(folder)
    return {"digest": digest, "flavor": spec.flavor, "flavor_config": spec.flavor_config}


def load_fitted(reference: dict[str, Any], *, stores: Stores) -> Any:
    """Load a model stored by :func:`save_fitted`, after verifying its files.

    Raises:
        IntegrityError: a stored file no longer matches its digest.
        ModelLoadError: the folder disagrees with the reference or cannot be loaded.
    """
    with tempfile.TemporaryDirectory(prefix="loopml-fitted-") as folder:
        stores.artifacts.get_tree(reference["digest"], folder)
        return load_model_folder(
            Path(folder),
            expected_flavor=reference["flavor"],
            expected_config=reference["flavor_config"],
        )

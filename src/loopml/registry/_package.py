"""The model folder: what one registered version is on disk and in the artifact store.

::

    loopml-model.json    {"format": "loopml.model/1", "flavor": ..., "flavor_config": {...},
                          "signature": {...}}
    model.skops          (sklearn) or artifacts/... (python_function): written by the flavor

The folder is stored with ``ArtifactStore.put_tree``; the manifest digest is the version's
``artifact_digest``. The spec file makes a folder self-describing (it can be loaded without
the metadata store); when both exist, the registry requires them to agree.

Readers of every format version ever written stay here and stay tested: a new layout gets a
new ``loopml.model/N`` and this module learns to read both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loopml.core import InvalidValueError, ModelLoadError
from loopml.registry._flavor import Flavor
from loopml.registry._pyfunc_flavor import PythonFunctionFlavor
from loopml.registry._sklearn_flavor import SklearnFlavor

MODEL_FORMAT = "loopml.model/1"
SPEC_FILE = "loopml-model.json"
_READABLE_FORMATS = frozenset({MODEL_FORMAT})

# Detection order matters: a PythonModel that also subclasses BaseEstimator is a PythonModel.
FLAVORS: dict[str, Flavor] = {
    flavor.name: flavor for flavor in (PythonFunctionFlavor(), SklearnFlavor())
}


@dataclass(frozen=True)
class ModelSpec:
    """The contents of ``loopml-model.json``."""

    flavor: str
    flavor_config: dict[str, Any]
    signature: dict[str, Any]


def choose_flavor(model: object, flavor: str | None) -> Flavor:
    """The flavor named ``flavor``, or the one that accepts ``model`` when it is None.

    Raises:
        InvalidValueError: unknown flavor name, or no flavor accepts ``model``.
    """
    if flavor is not None:
        if flavor not in FLAVORS:
            raise InvalidValueError(
                f"unknown flavor {flavor!r}; available: {', '.join(sorted(FLAVORS))}"
            )
        return FLAVORS[flavor]
    for candidate in FLAVORS.values():
        if candidate.accepts(model):
            return candidate
    raise InvalidValueError(
        f"no flavor can save a {type(model).__module__}.{type(model).__qualname__}: give a "
        "fitted scikit-learn estimator or pipeline (LightGBM and XGBoost scikit-learn "
        "estimators included), or wrap the model in a loopml.registry.PythonModel subclass"
    )


def write_model_folder(
    model: Any,
    directory: Path,
    *,
    flavor: Flavor,
    signature: Mapping[str, Any],
    artifacts: Mapping[str, Path],
) -> ModelSpec:
    """Write ``model`` and its spec file into the empty folder ``directory``."""
    flavor_config = flavor.save(model, directory, artifacts=artifacts)
    spec = ModelSpec(flavor=flavor.name, flavor_config=flavor_config, signature=dict(signature))
    document = {
        "format": MODEL_FORMAT,
        "flavor": spec.flavor,
        "flavor_config": spec.flavor_config,
        "signature": spec.signature,
    }
    (directory / SPEC_FILE).write_text(json.dumps(document, indent=2, sort_keys=True))
    return spec


def read_model_spec(directory: Path) -> ModelSpec:
    """Read and check the spec file of a model folder.

    Raises:
        ModelLoadError: no spec file, malformed JSON, or a format this loopml cannot read.
    """
    try:
        document = json.loads((directory / SPEC_FILE).read_text())
    except FileNotFoundError:
        raise ModelLoadError(f"the model folder has no {SPEC_FILE}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{SPEC_FILE} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") not in _READABLE_FORMATS:
        found = document.get("format") if isinstance(document, dict) else None
        raise ModelLoadError(
            f"the model folder has format {found!r}; this loopml reads "
            f"{', '.join(sorted(_READABLE_FORMATS))} (upgrade loopml to load newer models)"
        )
    flavor, config, signature = (
        document.get("flavor"),
        document.get("flavor_config"),
        document.get("signature", {}),
    )
    if not isinstance(flavor, str) or not isinstance(config, dict):
        raise ModelLoadError(f"{SPEC_FILE} lacks a flavor or a flavor_config")
    return ModelSpec(flavor=flavor, flavor_config=config, signature=signature or {})


def load_model_folder(
    directory: Path, *, expected_flavor: str, expected_config: Mapping[str, Any]
) -> Any:
    """Load the model in a verified folder, after checking it matches its version record.

    Raises:
        ModelLoadError: the spec disagrees with the record, the flavor is unknown, or the
            flavor refuses or fails to load the model.
    """
    spec = read_model_spec(directory)
    if spec.flavor != expected_flavor or spec.flavor_config != dict(expected_config):
        raise ModelLoadError(
            f"the model folder says flavor {spec.flavor!r} with another configuration than "
            f"the version record (flavor {expected_flavor!r}); refusing to guess which is right"
        )
    if spec.flavor not in FLAVORS:
        raise ModelLoadError(
            f"unknown flavor {spec.flavor!r}; this loopml loads {', '.join(sorted(FLAVORS))}"
        )
    return FLAVORS[spec.flavor].load(directory, spec.flavor_config)

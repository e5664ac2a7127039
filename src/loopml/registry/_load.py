"""Loading a registered model: resolve the URI, verify every byte, then deserialize safely.

The order is the security model. The version row gives the tree digest, the flavor and the
flavor config recorded at registration. ``ArtifactStore.get_tree`` unpacks the tree into a
private temporary folder and re-hashes every file (and the manifest) against its sha256,
raising :class:`~loopml.core.IntegrityError` on any mismatch; only when all files passed does a
flavor read them, and it trusts only what was recorded at registration (see the flavors).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from loopml.core import InvalidValueError
from loopml.registry._catalog import find_model_row, find_version_row
from loopml.registry._names import check_model_name
from loopml.registry._package import load_model_folder
from loopml.registry._records import ModelVersion
from loopml.registry._uri import SCHEME, ModelUri, parse_model_uri
from loopml.store import Stores, default_stores


def load_model(uri_or_name: str | ModelUri | ModelVersion, *, stores: Stores | None = None) -> Any:
    """Load one version of a registered model, ready to ``predict``.

    Args:
        uri_or_name: ``models:/name/3``, ``models:/name@alias``, ``models:/name/latest``, a
            bare model name (its latest version), a :class:`ModelUri` or a
            :class:`ModelVersion`.

    Returns:
        The model as registered: the scikit-learn estimator, or the :class:`PythonModel`.

    Raises:
        InvalidValueError: a malformed URI or name.
        NotFoundError: no such model, version or alias (the message lists what exists).
        IntegrityError: a stored file no longer matches its sha256; nothing was deserialized.
        ArtifactError: a file of the model is missing from the artifact store.
        ModelLoadError: the flavor refuses the files (types not recorded at registration,
            an unknown format) or cannot rebuild the model (a missing package or class).
    """
    reference = model_reference(uri_or_name)
    stores = stores or default_stores()
    with stores.metadata.session() as session:
        model_row = find_model_row(session, reference.name)
        version_row = find_version_row(session, model_row, reference)
        digest, flavor = version_row.artifact_digest, version_row.flavor
        flavor_config = dict(version_row.flavor_config)
    with tempfile.TemporaryDirectory(prefix="loopml-load-") as folder:
        stores.artifacts.get_tree(digest, folder)
        return load_model_folder(
            Path(folder), expected_flavor=flavor, expected_config=flavor_config
        )


def model_reference(uri_or_name: str | ModelUri | ModelVersion) -> ModelUri:
    """What ``load_model`` accepts, as a :class:`ModelUri` (a bare name: its latest version)."""
    if isinstance(uri_or_name, ModelUri):
        return uri_or_name
    if isinstance(uri_or_name, ModelVersion):
        return ModelUri(uri_or_name.name, version=uri_or_name.version)
    if not isinstance(uri_or_name, str):
        raise InvalidValueError(
            f"load_model takes a models:/ URI or a model name, got {type(uri_or_name).__name__}"
        )
    if uri_or_name.startswith(SCHEME) or ":" in uri_or_name:
        return parse_model_uri(uri_or_name)
    return ModelUri(check_model_name(uri_or_name))

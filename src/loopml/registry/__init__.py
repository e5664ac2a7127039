"""The model registry: numbered versions of models, movable aliases, and safe loading.

::

    version = loopml.registry.register_model(pipeline, "churn", run=run, sample=X[:5],
                                             aliases=["challenger"])
    loopml.registry.set_alias("churn", "champion", version=version.version)
    model = loopml.registry.load_model("models:/churn@champion")

Every change writes an audit event in its own transaction. Loading checks every file's sha256
before deserializing, and no flavor ever unpickles: scikit-learn models go through skops with
exactly the types recorded at registration trusted; custom models are rebuilt from code.
See ``docs/registry.md``.
"""

from typing import TYPE_CHECKING

from loopml.core._lazy import lazy_exports

# Names load their modules on first use (see loopml.core._lazy): importing this package
# costs nothing until a name is used.
__getattr__, __dir__ = lazy_exports(__name__, __file__)

if TYPE_CHECKING:
    from loopml.registry._aliases import delete_alias, set_alias
    from loopml.registry._catalog import (
        get_model,
        get_model_version,
        list_model_versions,
        list_models,
    )
    from loopml.registry._load import load_model
    from loopml.registry._pyfunc_flavor import PythonModel
    from loopml.registry._records import Model, ModelVersion
    from loopml.registry._register import register_model
    from loopml.registry._signature import infer_signature
    from loopml.registry._update import update_model, update_model_version
    from loopml.registry._uri import ModelUri, parse_model_uri


__all__ = [
    "Model",
    "ModelUri",
    "ModelVersion",
    "PythonModel",
    "delete_alias",
    "get_model",
    "get_model_version",
    "infer_signature",
    "list_model_versions",
    "list_models",
    "load_model",
    "parse_model_uri",
    "register_model",
    "set_alias",
    "update_model",
    "update_model_version",
]

"""The ``sklearn`` flavor: scikit-learn estimators and pipelines saved with skops, never pickle.

skops writes an estimator as a zip of JSON and ``.npy`` arrays and rebuilds it on load only
from types it is told to trust. It trusts scikit-learn's own types, numpy and builtins by
default; anything else in the file (a LightGBM or XGBoost booster, a custom transformer, a
function given to ``FunctionTransformer``) is an *untrusted type*.

At save time this flavor records the exact untrusted types of the file it wrote. At load
time, after the registry checked the file's sha256 against the digest recorded then, it
trusts exactly that list and nothing more: a file asking for any other type is refused, so
a swapped or crafted file cannot smuggle in a type nobody registered. Types that can run
arbitrary code (``os``, ``subprocess``, ``builtins.eval``...) are refused even if recorded.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loopml.core import InvalidValueError, ModelLoadError
from loopml.registry._flavor import Flavor

MODEL_FILE = "model.skops"
# Modules and builtins that hand out code execution, file or process access: no model needs them.
_NEVER_TRUSTED_MODULES = frozenset(
    {
        "code", "codecs", "ctypes", "importlib", "marshal", "multiprocessing", "nt", "os",
        "pickle", "posix", "pty", "runpy", "shutil", "socket", "subprocess", "sys",
    }
)  # fmt: skip
_NEVER_TRUSTED_BUILTINS = frozenset(
    {
        "__import__", "breakpoint", "compile", "delattr", "eval", "exec", "getattr", "globals",
        "input", "locals", "open", "setattr", "vars",
    }
)  # fmt: skip


class SklearnFlavor(Flavor):
    """Estimators with the scikit-learn API (LightGBM's and XGBoost's wrappers included)."""

    name = "sklearn"

    def accepts(self, model: object) -> bool:
        if "sklearn.base" not in sys.modules:  # nothing can be an estimator: skip the import
            return False
        from sklearn.base import BaseEstimator

        return isinstance(model, BaseEstimator) and _has_method(model, "predict", "transform")

    def save(self, model: Any, directory: Path, *, artifacts: Mapping[str, Path]) -> dict[str, Any]:
        if artifacts:
            raise InvalidValueError(
                "the sklearn flavor saves the estimator alone; artifacts= is for python_function"
            )
        _check_fitted_estimator(model)
        import skops.io

        path = directory / MODEL_FILE
        try:
            skops.io.dump(model, path)
        except Exception as exc:  # skops raises TypeError, ValueError... for what it cannot write
            raise InvalidValueError(
                f"cannot save {type(model).__name__} with skops ({type(exc).__name__}: {exc}); "
                "wrap custom code in a loopml.registry.PythonModel instead"
            ) from exc
        trusted = sorted(skops.io.get_untrusted_types(file=path))
        refused = _never_trusted(trusted)
        if refused:
            raise InvalidValueError(
                f"{type(model).__name__} references {refused}, which could run arbitrary code "
                "when the model is used; loopml will not register it"
            )
        return {"file": MODEL_FILE, "trusted_types": trusted, "versions": _versions(trusted)}

    def load(self, directory: Path, config: Mapping[str, Any]) -> Any:
        trusted = config.get("trusted_types")
        file_name = config.get("file")
        if not isinstance(trusted, list) or not all(isinstance(t, str) for t in trusted):
            raise ModelLoadError("the sklearn flavor config has no list of trusted types")
        if file_name != MODEL_FILE:
            raise ModelLoadError(f"the sklearn flavor config names an unknown file {file_name!r}")
        refused = _never_trusted(trusted)
        if refused:
            raise ModelLoadError(f"the model file asks to trust {refused}; refusing to load it")
        import skops.io
        from skops.io.exceptions import UntrustedTypesFoundException

        try:
            return skops.io.load(directory / MODEL_FILE, trusted=trusted)
        except UntrustedTypesFoundException as exc:
            raise ModelLoadError(
                "the model file needs types that were not recorded when it was registered; "
                f"refusing to load it. {exc}"
            ) from exc
        except ImportError as exc:
            raise ModelLoadError(
                f"loading the model needs the package {exc.name or exc}; install it "
                f"(saved with {config.get('versions', {})})"
            ) from exc
        except Exception as exc:  # a corrupt-but-hash-matching file, or incompatible versions
            raise ModelLoadError(
                f"skops could not load the model ({type(exc).__name__}: {exc}); saved with "
                f"{config.get('versions', {})}"
            ) from exc


def _has_method(model: object, *names: str) -> bool:
    # hasattr, not getattr on the class: pipelines expose predict only if their last step has it.
    return any(callable(getattr(model, name, None)) for name in names)


def _check_fitted_estimator(model: Any) -> None:
    if "sklearn.base" in sys.modules:
        from sklearn.base import BaseEstimator

        if isinstance(model, BaseEstimator) and _has_method(model, "predict", "transform"):
            from sklearn.exceptions import NotFittedError
            from sklearn.utils.validation import check_is_fitted

            try:
                check_is_fitted(model)
            except NotFittedError as exc:
                raise InvalidValueError(
                    f"{type(model).__name__} is not fitted; fit it before registering it"
                ) from exc
            return
    raise InvalidValueError(
        f"the sklearn flavor needs a scikit-learn estimator or pipeline with predict or "
        f"transform, got {type(model).__module__}.{type(model).__qualname__}"
    )


def _never_trusted(type_names: list[str]) -> list[str]:
    refused = []
    for name in type_names:
        module, _, attribute = name.rpartition(".")
        top = module.split(".", 1)[0]
        if top in _NEVER_TRUSTED_MODULES or (
            module == "builtins" and attribute in _NEVER_TRUSTED_BUILTINS
        ):
            refused.append(name)
    return refused


def _versions(type_names: list[str]) -> dict[str, str]:
    """Versions of scikit-learn, skops and every package a recorded type comes from."""
    packages = {"sklearn", "skops", *(name.split(".", 1)[0] for name in type_names)}
    found = {}
    for package in sorted(packages):
        version = getattr(sys.modules.get(package), "__version__", None)
        if isinstance(version, str):
            found[package] = version
    return found

"""The ``python_function`` flavor: any Python model, saved as code reference + JSON, no pickle.

A custom model is a subclass of :class:`PythonModel` that lives in an importable module (a
package of the project, installed where the model is loaded). What is stored is:

* the class's import path, ``"package.module:ClassName"``;
* its configuration, the JSON object :meth:`PythonModel.get_config` returns, which must be
  the keyword arguments that rebuild the instance (``cls(**config)``);
* optional artifact files (weights, vocabularies, lookup tables) given at registration.

Loading imports the class, checks it is still a ``PythonModel``, calls ``cls(**config)`` and
then :meth:`PythonModel.load_context` with the unpacked, sha256-checked artifact files. The
code that runs is therefore the code installed on the loading machine, never bytes from
the store; the price is that the class must be importable there.
"""

from __future__ import annotations

import abc
import importlib
import inspect
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loopml.core import InvalidValueError, ModelLoadError
from loopml.registry._flavor import Flavor
from loopml.store import files_in_tree, join_inside

ARTIFACTS_DIR = "artifacts"


class PythonModel(abc.ABC):
    """Base class of custom models the registry saves without pickle.

    Follow the scikit-learn estimator contract: ``__init__`` takes JSON-friendly parameters
    (numbers, strings, bools, None, lists and dicts of them) and stores each under an
    attribute of the same name. Then the default :meth:`get_config` works as it is; otherwise
    override it to return the keyword arguments that rebuild the model.

    Example::

        class Threshold(loopml.registry.PythonModel):
            def __init__(self, column: str, cutoff: float = 0.5) -> None:
                self.column = column
                self.cutoff = cutoff

            def predict(self, data):
                return (data[self.column] > self.cutoff).astype(int)
    """

    @abc.abstractmethod
    def predict(self, data: Any) -> Any:
        """Score ``data`` (whatever the model accepts: a DataFrame, an array, records)."""

    def get_config(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this model: by default, every ``__init__``
        parameter read from the attribute of the same name.

        Raises:
            InvalidValueError: ``__init__`` takes ``*args``/``**kwargs``, or a parameter is
                not stored under its own name (override this method then).
        """
        config: dict[str, Any] = {}
        for parameter in list(inspect.signature(type(self).__init__).parameters.values())[1:]:
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise InvalidValueError(
                    f"{type(self).__qualname__}.__init__ takes *{parameter.name}; "
                    "override get_config() to say which arguments rebuild the model"
                )
            if not hasattr(self, parameter.name):
                raise InvalidValueError(
                    f"{type(self).__qualname__} does not store its __init__ parameter "
                    f"{parameter.name!r} as self.{parameter.name}; store it, or override "
                    "get_config()"
                )
            config[parameter.name] = getattr(self, parameter.name)
        return config

    def load_context(self, artifacts: Mapping[str, Path]) -> None:  # noqa: B027 - optional hook
        """Read the artifact files given at registration (name -> path), after ``__init__``.

        The files exist only during this call (they are unpacked to a temporary folder):
        read what the model needs into memory here. The default does nothing.
        """


class PythonFunctionFlavor(Flavor):
    """Models written as a :class:`PythonModel` subclass."""

    name = "python_function"

    def accepts(self, model: object) -> bool:
        return isinstance(model, PythonModel)

    def save(self, model: Any, directory: Path, *, artifacts: Mapping[str, Path]) -> dict[str, Any]:
        if not isinstance(model, PythonModel):
            raise InvalidValueError(
                "the python_function flavor needs an instance of a loopml.registry.PythonModel "
                f"subclass, got {type(model).__module__}.{type(model).__qualname__}"
            )
        class_path = _importable_class_path(type(model))
        config = _json_config(model)
        try:
            type(model)(**config)
        except Exception as exc:  # the model could never be loaded: say so now, not in production
            raise InvalidValueError(
                f"{class_path}(**get_config()) fails ({type(exc).__name__}: {exc}); get_config() "
                "must return the keyword arguments of __init__"
            ) from exc
        stored = {}
        for name, source in artifacts.items():
            target = join_inside(directory, f"{ARTIFACTS_DIR}/{name}")
            stored[name] = target.relative_to(directory.resolve()).as_posix()
            if source.is_dir():
                files_in_tree(source)  # refuses links that point outside the folder
                shutil.copytree(source, target, symlinks=False)
            elif source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            else:
                raise InvalidValueError(f"artifact {name!r}: {source} is not a file or a folder")
        return {"class": class_path, "config": config, "artifacts": stored}

    def load(self, directory: Path, config: Mapping[str, Any]) -> Any:
        class_path = config.get("class")
        init_kwargs = config.get("config")
        artifacts = config.get("artifacts", {})
        if not isinstance(class_path, str) or not isinstance(init_kwargs, dict):
            raise ModelLoadError("the python_function flavor config has no class or config")
        if not isinstance(artifacts, dict):
            raise ModelLoadError("the python_function flavor config has malformed artifacts")
        cls = _import_class(class_path)
        try:
            model = cls(**init_kwargs)
        except Exception as exc:  # the installed code changed its __init__ since registration
            raise ModelLoadError(
                f"{class_path}(**config) failed ({type(exc).__name__}: {exc}); the installed "
                "code does not accept the configuration it was registered with"
            ) from exc
        paths = {name: join_inside(directory, str(rel)) for name, rel in artifacts.items()}
        missing = sorted(name for name, path in paths.items() if not path.exists())
        if missing:
            raise ModelLoadError(f"the model folder lacks the artifacts {missing}")
        model.load_context(paths)
        return model


def _importable_class_path(cls: type) -> str:
    module, qualname = cls.__module__, cls.__qualname__
    if module == "__main__" or "<locals>" in qualname:
        where = (
            "in __main__ (a script or notebook)" if module == "__main__" else "inside a function"
        )
        raise InvalidValueError(
            f"{qualname} is defined {where}, so it cannot be imported when the model is "
            "loaded elsewhere; move it into a module of your package"
        )
    class_path = f"{module}:{qualname}"
    try:
        found = _resolve(class_path)
    except ModelLoadError as exc:
        raise InvalidValueError(f"{class_path} cannot be imported back: {exc}") from None
    if found is not cls:
        raise InvalidValueError(f"importing {class_path} gives another class than {cls!r}")
    return class_path


def _json_config(model: PythonModel) -> dict[str, Any]:
    config = model.get_config()
    if not isinstance(config, dict):
        raise InvalidValueError(f"{type(model).__qualname__}.get_config() must return a dict")
    try:
        round_trip = json.loads(json.dumps(config, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(
            f"the config of {type(model).__qualname__} is not JSON ({exc}); keep __init__ "
            "parameters to numbers, strings, bools, None, lists and dicts, and pass data "
            "files as artifacts="
        ) from exc
    if round_trip != config:
        raise InvalidValueError(
            f"the config of {type(model).__qualname__} changes through JSON (tuples, numpy "
            "scalars or non-string keys?); use lists, Python numbers and string keys"
        )
    return config


def _import_class(class_path: str) -> type[PythonModel]:
    cls = _resolve(class_path)
    if not (isinstance(cls, type) and issubclass(cls, PythonModel)):
        raise ModelLoadError(f"{class_path} is not a loopml.registry.PythonModel subclass")
    return cls


def _resolve(class_path: str) -> Any:
    module_name, _, qualname = class_path.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelLoadError(
            f"cannot import module {module_name!r} of {class_path} ({exc}); install the package "
            "that defines the model"
        ) from exc
    for part in qualname.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise ModelLoadError(f"module {module_name!r} has no {qualname!r}") from None
    return found

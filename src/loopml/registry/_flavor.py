"""The contract of a flavor: how one family of models is written to and read from a folder.

A flavor writes the model into a folder the registry then stores as a content-addressed tree,
and returns a small JSON ``flavor_config`` that is recorded both in the folder's
``loopml-model.json`` and on the version row. Loading gets the folder back only after every
file's sha256 was checked, plus that same config. Implementations: ``sklearn``
(:mod:`._sklearn_flavor`) and ``python_function`` (:mod:`._pyfunc_flavor`).

A flavor must never deserialize with pickle (or joblib, cloudpickle, ``torch.load`` without
``weights_only``): loading a registered model must not run code that was not installed.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar


class Flavor(abc.ABC):
    """Saves and loads one family of models. Instances are stateless and shared."""

    name: ClassVar[str]

    @abc.abstractmethod
    def accepts(self, model: object) -> bool:
        """True when this flavor is the natural one for ``model`` (used to auto-detect)."""

    @abc.abstractmethod
    def save(self, model: Any, directory: Path, *, artifacts: Mapping[str, Path]) -> dict[str, Any]:
        """Write ``model`` (and ``artifacts``, files the model needs) into ``directory``.

        Returns:
            The JSON-serialisable flavor config that :meth:`load` needs.

        Raises:
            InvalidValueError: ``model`` is not one this flavor can save, or saving it failed.
        """

    @abc.abstractmethod
    def load(self, directory: Path, config: Mapping[str, Any]) -> Any:
        """Rebuild the model from a verified ``directory`` and its recorded ``config``.

        The folder is deleted after this returns: the model must not keep paths into it.

        Raises:
            ModelLoadError: the folder cannot be loaded safely or at all.
        """

"""PythonModel subclasses the tests register; they live in a module so they can be imported back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loopml.registry import PythonModel


class Threshold(PythonModel):
    """Predicts 1 where ``column`` exceeds ``cutoff``: parameters stored under their own names."""

    def __init__(self, column: str, cutoff: float = 0.5, labels: list[str] | None = None) -> None:
        self.column = column
        self.cutoff = cutoff
        self.labels = labels

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        return (data[self.column].to_numpy() > self.cutoff).astype(np.int64)


class LookupTable(PythonModel):
    """Maps a key column through a JSON table shipped as an artifact."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.table: dict[str, float] = {}

    def load_context(self, artifacts: Mapping[str, Path]) -> None:
        self.table = json.loads(artifacts["table"].read_text())
        self.notes = (artifacts["docs"] / "notes.txt").read_text()

    def predict(self, data: pd.DataFrame) -> list[float]:
        return [self.table.get(str(key), 0.0) for key in data[self.key]]


class Scaled(PythonModel):
    """Keeps its parameter under another name, so it says how to rebuild itself."""

    def __init__(self, factor: float) -> None:
        self._factor = factor

    def get_config(self) -> dict[str, Any]:
        return {"factor": self._factor}

    def predict(self, data: np.ndarray) -> np.ndarray:
        return np.asarray(data) * self._factor


class HidesItsParameter(PythonModel):
    """Breaks the contract: ``factor`` is not stored as ``self.factor``."""

    def __init__(self, factor: float) -> None:
        self._factor = factor

    def predict(self, data: Any) -> Any:
        return data


class TupleConfig(PythonModel):
    """A tuple does not survive JSON: registration must refuse it."""

    def __init__(self, sizes: tuple[int, ...] = (1, 2)) -> None:
        self.sizes = sizes

    def predict(self, data: Any) -> Any:
        return data

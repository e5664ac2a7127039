"""scikit-learn's small bundled data sets as DataFrames with a ``target`` column.

They ship inside scikit-learn (nothing is downloaded), which makes them the quick fixtures of
examples and tests: breast cancer and wine for classification, digits for many classes,
diabetes for regression.
"""

from __future__ import annotations

import importlib

import pandas as pd


def _frame(loader_name: str) -> pd.DataFrame:
    # Imported on call: importing scikit-learn costs more than a second of CLI start-up.
    sklearn_datasets = importlib.import_module("sklearn.datasets")
    frame: pd.DataFrame = getattr(sklearn_datasets, loader_name)(as_frame=True).frame
    return frame.reset_index(drop=True)


def load_breast_cancer() -> pd.DataFrame:
    """569 tumours x 30 numeric features; ``target`` 0 = malignant, 1 = benign."""
    return _frame("load_breast_cancer")


def load_wine() -> pd.DataFrame:
    """178 wines x 13 numeric features; ``target`` the cultivar, 0, 1 or 2."""
    return _frame("load_wine")


def load_digits() -> pd.DataFrame:
    """1,797 8x8 images of digits, one column per pixel (``pixel_0_0`` ...); ``target`` 0-9."""
    return _frame("load_digits")


def load_diabetes() -> pd.DataFrame:
    """442 patients x 10 features (mean-centred, scaled); ``target`` disease progression."""
    return _frame("load_diabetes")

"""What a model reads and returns, inferred from a sample: the ``signature`` of a version.

Serving uses it to check and convert requests and monitoring to know the columns, so it is
plain JSON with a small fixed vocabulary of types (``boolean``, ``integer``, ``long``,
``float``, ``double``, ``string``, ``binary``, ``datetime``, ``duration``, ``object``)::

    {"inputs":  [{"name": "age", "type": "long"}, {"name": "plan", "type": "string"}],
     "outputs": [{"name": "prediction", "type": "long", "shape": [-1]},
                 {"name": "probabilities", "type": "double", "shape": [-1, 2],
                  "classes": [0, 1]}]}

A table (DataFrame, list of dicts) gives one entry per column; an array gives one entry named
``input`` with its ``shape`` (``-1`` for the number of rows). Pure functions: no store here.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from loopml.core import InvalidValueError

_FORMS = "a pandas DataFrame, a numpy array or a list of dicts (one per row)"


def infer_signature(model: Any, sample: Any) -> dict[str, Any]:
    """The signature of ``model`` on ``sample``: its columns, and what ``predict`` returns.

    ``predict_proba`` is described too when the model has it (with ``classes_`` if known).
    A list of dicts is turned into a DataFrame first, and that is what ``predict`` is given.

    Raises:
        InvalidValueError: ``sample`` is none of the accepted forms, or ``model.predict``
            fails on it (a sample the model cannot score would make a wrong signature).
    """
    data = _as_table_or_array(sample, what="sample")
    signature: dict[str, Any] = {"inputs": describe_data(data, default_name="input")}
    try:
        prediction = model.predict(data)
    except Exception as exc:  # any failure of user code means the sample does not fit
        raise InvalidValueError(
            f"the model cannot predict on the sample ({type(exc).__name__}: {exc}); "
            "give a sample with the columns and types the model was trained on"
        ) from exc
    try:
        outputs = describe_data(prediction, default_name="prediction")
    except InvalidValueError:  # a dict, a scalar...: nothing precise to say about its shape
        outputs = [{"name": "prediction", "type": "object"}]
    if callable(getattr(model, "predict_proba", None)):
        try:
            probabilities = np.asarray(model.predict_proba(data))
        except Exception:  # noqa: BLE001 - optional: some estimators only have it after config
            probabilities = None
        if probabilities is not None and probabilities.ndim == 2:
            entry = describe_data(probabilities, default_name="probabilities")[0]
            classes = getattr(model, "classes_", None)
            if classes is not None:
                entry["classes"] = np.asarray(classes).tolist()
            outputs.append(entry)
    signature["outputs"] = outputs
    return signature


def describe_data(data: Any, *, default_name: str) -> list[dict[str, Any]]:
    """One ``{"name", "type"}`` entry per table column, or one entry with a shape for an array."""
    data = _as_table_or_array(data, what=default_name)
    if isinstance(data, pd.DataFrame):
        return [{"name": str(column), "type": data_type(data[column])} for column in data.columns]
    if isinstance(data, pd.Series):
        name = default_name if data.name is None else str(data.name)
        return [{"name": name, "type": data_type(data), "shape": [-1]}]
    return [{"name": default_name, "type": data_type(data), "shape": [-1, *data.shape[1:]]}]


def data_type(values: pd.Series | np.ndarray) -> str:
    """The signature type of a column or an array (object columns are judged by their values)."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return data_type(pd.Series(dtype.categories))
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if dtype == np.dtype(object):
        return _type_of_values(np.asarray(values, dtype=object).ravel())
    if pd.api.types.is_string_dtype(dtype):
        return "string"
    kind = getattr(dtype, "kind", "O")
    if kind in "iu":
        return "integer" if dtype.itemsize <= 4 and dtype != np.uint32 else "long"
    if kind == "f":
        return "float" if dtype.itemsize <= 4 else "double"
    return {"M": "datetime", "m": "duration", "U": "string", "S": "binary"}.get(kind, "object")


def _type_of_values(values: Iterable[object]) -> str:
    kinds: set[str] = set()
    for value in values:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            continue
        if isinstance(value, bool | np.bool_):
            kinds.add("boolean")
        elif isinstance(value, numbers.Integral):
            kinds.add("long")
        elif isinstance(value, numbers.Real):
            kinds.add("double")
        elif isinstance(value, str):
            kinds.add("string")
        elif isinstance(value, bytes):
            kinds.add("binary")
        elif isinstance(value, dt.datetime | np.datetime64):
            kinds.add("datetime")
        else:
            return "object"
    if kinds == {"long", "double"}:
        return "double"
    return kinds.pop() if len(kinds) == 1 else "object"


def _as_table_or_array(data: Any, *, what: str) -> pd.DataFrame | pd.Series | np.ndarray:
    if isinstance(data, pd.DataFrame | pd.Series | np.ndarray):
        return data
    if isinstance(data, list | tuple) and data and all(isinstance(row, dict) for row in data):
        return pd.DataFrame.from_records(list(data))
    if isinstance(data, list | tuple):
        try:
            return np.asarray(data)
        except ValueError as exc:  # ragged rows
            raise InvalidValueError(f"{what} must be {_FORMS}: {exc}") from exc
    raise InvalidValueError(f"{what} must be {_FORMS}, got {type(data).__name__}")

"""Classification and regression metrics: one flat ``{name: value}`` dict per call.

The values are scikit-learn's (the same functions on the same inputs), so a number in a loopml
report can be checked against any notebook. What loopml adds is the input checking that
scikit-learn leaves to tracebacks: mismatched lengths, NaN in labels, a single class where two
are needed and probabilities that are not probabilities each stop with an ``InvalidValueError``
naming the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from loopml.core import InvalidValueError

ArrayLike = Any
"""Anything ``numpy.asarray`` understands as one column: a list, array, Series."""

_PROBABILITY_TOLERANCE = 1e-6


def as_labels(values: ArrayLike, *, name: str) -> np.ndarray:
    """A 1-D label array without missing values (NaN, None, pd.NA)."""
    array = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values)
    if array.ndim != 1:
        raise InvalidValueError(f"{name} must be one column of labels, got shape {array.shape}")
    if len(array) == 0:
        raise InvalidValueError(f"{name} is empty: metrics need at least one row")
    missing = pd.isna(array)
    if missing.any():
        raise InvalidValueError(
            f"{name} has {int(missing.sum())} missing value(s) (NaN/None), first at row "
            f"{int(np.argmax(missing))}: drop or fill them before evaluating"
        )
    if array.dtype == object:
        kinds = {type(value) for value in array}
        if len(kinds) > 1:
            names = sorted(kind.__name__ for kind in kinds)
            raise InvalidValueError(f"{name} mixes label types {names}: use one type")
    return array


def as_numbers(values: ArrayLike, *, name: str) -> np.ndarray:
    """A finite 1-D float array (regression targets and predictions)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise InvalidValueError(f"{name} must be numbers: {error}") from error
    if array.ndim != 1:
        raise InvalidValueError(f"{name} must be one column of numbers, got shape {array.shape}")
    if len(array) == 0:
        raise InvalidValueError(f"{name} is empty: metrics need at least one row")
    bad = ~np.isfinite(array)
    if bad.any():
        raise InvalidValueError(
            f"{name} has {int(bad.sum())} value(s) that are NaN or infinite, first at row "
            f"{int(np.argmax(bad))}"
        )
    return array


def as_probabilities(values: ArrayLike, *, name: str = "y_proba") -> np.ndarray:
    """Probabilities: 1-D (of the positive class) or 2-D with rows that sum to one."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise InvalidValueError(f"{name} must be probabilities (numbers): {error}") from error
    if array.ndim not in (1, 2):
        raise InvalidValueError(f"{name} must be 1-D or 2-D, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise InvalidValueError(f"{name} has NaN or infinite values: they are not probabilities")
    if array.size and (array.min() < 0 or array.max() > 1):
        raise InvalidValueError(
            f"{name} has values outside [0, 1] (min {array.min():.4g}, max {array.max():.4g}): "
            "pass probabilities (predict_proba), not scores or logits"
        )
    if array.ndim == 2:
        sums = array.sum(axis=1)
        off = np.abs(sums - 1) > _PROBABILITY_TOLERANCE
        if off.any():
            row = int(np.argmax(off))
            raise InvalidValueError(
                f"{name} rows must sum to 1 (one probability per class); row {row} sums to "
                f"{sums[row]:.6g}"
            )
    return array


def check_same_length(**columns: np.ndarray) -> None:
    """Every column has the same number of rows, or an error listing them all."""
    lengths = {name: len(column) for name, column in columns.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name}={length}" for name, length in lengths.items())
        raise InvalidValueError(f"inputs have different lengths: {shown}")


def require_two_classes(y_true: np.ndarray, *, needed_for: str) -> None:
    """A metric that ranks positives against negatives needs both in ``y_true``."""
    present = np.unique(y_true)
    if len(present) < 2:
        raise InvalidValueError(
            f"y_true has a single class ({present[0]!r}); {needed_for} needs at least two classes"
        )


def _class_labels(
    y_true: np.ndarray, y_pred: np.ndarray | None, labels: Sequence[Any] | None
) -> np.ndarray:
    if labels is not None:
        chosen = np.asarray(list(labels))
        if len(chosen) == 0 or len(np.unique(chosen)) != len(chosen):
            raise InvalidValueError("labels must be a non-empty list without repeats")
        unknown = set(np.unique(y_true).tolist()) - set(chosen.tolist())
        if unknown:
            raise InvalidValueError(
                f"y_true has labels not in labels=: {sorted(map(str, unknown))}"
            )
        return chosen
    seen = y_true if y_pred is None else np.concatenate([y_true, y_pred])
    return np.unique(seen)


def positive_scores(y_proba: np.ndarray, n_classes: int = 2) -> np.ndarray:
    """The positive-class column of binary probabilities given as 1-D or as two columns."""
    if y_proba.ndim == 1:
        return y_proba
    if y_proba.shape[1] != n_classes:
        raise InvalidValueError(
            f"y_proba has {y_proba.shape[1]} columns for {n_classes} classes: one column per "
            "class, in the order of labels"
        )
    return y_proba[:, 1]


def classification_metrics(
    y_true: ArrayLike,
    y_pred: ArrayLike | None = None,
    y_proba: ArrayLike | None = None,
    *,
    labels: Sequence[Any] | None = None,
    sample_weight: ArrayLike | None = None,
) -> dict[str, float]:
    """Every classification metric the inputs allow, as ``{name: value}``.

    Always (from ``y_pred``, or from ``y_proba`` by arg-max / 0.5 when ``y_pred`` is not given):
    ``accuracy``, ``balanced_accuracy``, ``precision_macro``/``_weighted``, ``recall_*``, ``f1_*``
    and per class ``precision[<label>]``, ``recall[<label>]``, ``f1[<label>]`` and
    ``support[<label>]``; for two classes also ``precision``, ``recall`` and ``f1`` of the
    positive (greater) label.
    With ``y_proba``: ``roc_auc`` (binary, or one-vs-rest macro for several classes), ``pr_auc``
    (average precision; macro over classes when several), ``log_loss`` and ``brier``.

    Args:
        y_true: the true labels.
        y_pred: predicted labels.
        y_proba: probabilities; for two classes a 1-D array of the positive (greater) label or two
            columns; for more, one column per class in the order of ``labels`` (sorted by default).
        labels: the classes, in the order of ``y_proba``'s columns; default: sorted labels seen.
        sample_weight: optional weight per row, passed to every metric.

    Raises:
        InvalidValueError: neither prediction given, lengths differ, NaN in labels, probabilities
            out of [0, 1] or rows not summing to 1, or a single class in ``y_true`` with
            ``y_proba`` (ROC AUC needs two).
    """
    truth = as_labels(y_true, name="y_true")
    if y_pred is None and y_proba is None:
        raise InvalidValueError("give y_pred, y_proba or both: there is nothing to evaluate")
    predicted = None if y_pred is None else as_labels(y_pred, name="y_pred")
    proba = None if y_proba is None else as_probabilities(y_proba)
    weights = None if sample_weight is None else as_numbers(sample_weight, name="sample_weight")
    columns = {"y_true": truth}
    for key, value in (("y_pred", predicted), ("y_proba", proba), ("sample_weight", weights)):
        if value is not None:
            columns[key] = value
    check_same_length(**columns)
    classes = _class_labels(truth, predicted, labels)
    if proba is not None and proba.ndim == 2 and proba.shape[1] != len(classes):
        raise InvalidValueError(
            f"y_proba has {proba.shape[1]} columns but there are {len(classes)} classes "
            f"{classes.tolist()}: pass labels= naming one class per column"
        )
    if proba is not None and proba.ndim == 1 and len(classes) > 2:
        raise InvalidValueError(
            f"1-D y_proba is for two classes; there are {len(classes)}: pass one column per class"
        )
    if proba is not None:
        require_two_classes(truth, needed_for="ROC AUC and the other probability metrics")
        # scikit-learn wants the class columns in sorted label order.
        order = np.argsort(classes, kind="stable")
        if proba.ndim == 2:
            proba = proba[:, order]
        classes = classes[order]
    if predicted is None:
        assert proba is not None
        if proba.ndim == 1:
            predicted = np.where(proba >= 0.5, classes[-1], classes[0])
        else:
            predicted = classes[np.argmax(proba, axis=1)]
    try:
        result = _label_metrics(truth, predicted, classes, weights)
        if proba is not None:
            result.update(_probability_metrics(truth, proba, classes, weights))
    except (TypeError, ValueError) as error:  # what our checks above did not foresee
        raise InvalidValueError(f"cannot compute classification metrics: {error}") from error
    return result


def _label_metrics(
    truth: np.ndarray, predicted: np.ndarray, classes: np.ndarray, weights: np.ndarray | None
) -> dict[str, float]:
    result = {
        "accuracy": float(skm.accuracy_score(truth, predicted, sample_weight=weights)),
        "balanced_accuracy": float(
            skm.balanced_accuracy_score(truth, predicted, sample_weight=weights)
        ),
    }
    per_class = skm.precision_recall_fscore_support(
        truth, predicted, labels=classes, sample_weight=weights, zero_division=0.0
    )
    for average in ("macro", "weighted"):
        precision, recall, f1, _ = skm.precision_recall_fscore_support(
            truth, predicted, labels=classes, average=average, sample_weight=weights,
            zero_division=0.0,
        )  # fmt: skip
        result[f"precision_{average}"] = float(precision)
        result[f"recall_{average}"] = float(recall)
        result[f"f1_{average}"] = float(f1)
    for index, label in enumerate(classes.tolist()):
        for name, values in zip(("precision", "recall", "f1", "support"), per_class, strict=True):
            result[f"{name}[{label}]"] = float(values[index])
    if len(classes) == 2:
        # Binary: the positive (greater) class's precision, recall and F1 under their plain
        # names, as scikit-learn's binary defaults and project files ("f1: min 0.75") use them.
        for name in ("precision", "recall", "f1"):
            result[name] = result[f"{name}[{classes.tolist()[-1]}]"]
    return result


def _probability_metrics(
    truth: np.ndarray, proba: np.ndarray, classes: np.ndarray, weights: np.ndarray | None
) -> dict[str, float]:
    if len(classes) == 2:
        positive = classes[-1]
        scores = positive_scores(proba)
        is_positive = truth == positive
        two_columns = np.column_stack([1 - scores, scores])
        return {
            "roc_auc": float(skm.roc_auc_score(is_positive, scores, sample_weight=weights)),
            "pr_auc": float(
                skm.average_precision_score(is_positive, scores, sample_weight=weights)
            ),
            "log_loss": float(
                skm.log_loss(truth, two_columns, labels=classes, sample_weight=weights)
            ),
            "brier": float(skm.brier_score_loss(is_positive, scores, sample_weight=weights)),
        }
    onehot = (truth[:, None] == classes[None, :]).astype(float)
    present = onehot.sum(axis=0) > 0
    return {
        "roc_auc": float(
            skm.roc_auc_score(
                truth,
                proba,
                multi_class="ovr",
                average="macro",
                labels=classes,
                sample_weight=weights,
            )
        ),  # fmt: skip
        "pr_auc": float(
            skm.average_precision_score(
                onehot[:, present], proba[:, present], average="macro", sample_weight=weights
            )
        ),
        "log_loss": float(skm.log_loss(truth, proba, labels=classes, sample_weight=weights)),
        "brier": float(skm.brier_score_loss(truth, proba, labels=classes, sample_weight=weights)),
    }


def regression_metrics(
    y_true: ArrayLike, y_pred: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> dict[str, float]:
    """``mse``, ``rmse``, ``mae``, ``mape`` and ``r2``, as scikit-learn computes them.

    ``mape`` is a fraction (0.1 means 10 %); a true value of zero makes it very large rather than
    infinite, as in scikit-learn. ``r2`` needs at least two rows.

    Raises:
        InvalidValueError: lengths differ, values are not finite numbers, or fewer than two rows.
    """
    truth = as_numbers(y_true, name="y_true")
    predicted = as_numbers(y_pred, name="y_pred")
    weights = None if sample_weight is None else as_numbers(sample_weight, name="sample_weight")
    columns = {"y_true": truth, "y_pred": predicted}
    if weights is not None:
        columns["sample_weight"] = weights
    check_same_length(**columns)
    if len(truth) < 2:
        raise InvalidValueError("regression metrics need at least two rows (R² is undefined)")
    try:
        return _regression_values(truth, predicted, weights)
    except ValueError as error:
        raise InvalidValueError(f"cannot compute regression metrics: {error}") from error


def _regression_values(
    truth: np.ndarray, predicted: np.ndarray, weights: np.ndarray | None
) -> dict[str, float]:
    return {
        "mse": float(skm.mean_squared_error(truth, predicted, sample_weight=weights)),
        "rmse": float(skm.root_mean_squared_error(truth, predicted, sample_weight=weights)),
        "mae": float(skm.mean_absolute_error(truth, predicted, sample_weight=weights)),
        "mape": float(skm.mean_absolute_percentage_error(truth, predicted, sample_weight=weights)),
        "r2": float(skm.r2_score(truth, predicted, sample_weight=weights)),
    }

"""Champion vs challenger on the same rows: metric deltas with intervals and a paired test.

Both models are scored on the same rows, so the comparison is paired: the bootstrap resamples
rows (the same resample for both models) and the interval is that of the *difference*, which is
far narrower than two separate intervals would suggest. The paired test is McNemar's for
classifiers (an exact binomial test on the rows where exactly one model is right) and Wilcoxon's
signed-rank test on the paired absolute errors for regression.

Point values come from scikit-learn. The bootstrap recomputes the same formulas from resampled
row counts in numpy (one matrix product per resample batch), because calling scikit-learn
thousands of times would take seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats
from sklearn import metrics as skm

from loopml.core import InvalidValueError
from loopml.evaluation._metric_direction import LOWER_IS_BETTER

Task = Literal["classification", "regression"]

CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "f1_macro")
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2")
_DEFAULT_METRICS: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy", "f1"),
    "regression": ("rmse", "mae", "r2"),
}


@dataclass(frozen=True)
class MetricDelta:
    """One metric for both models; ``delta`` is challenger minus champion, with its interval."""

    metric: str
    champion: float
    challenger: float
    delta: float
    delta_low: float
    delta_high: float
    higher_is_better: bool

    @property
    def improvement(self) -> float:
        """The delta signed so that positive always means "the challenger is better"."""
        return self.delta if self.higher_is_better else -self.delta


@dataclass(frozen=True)
class PairedTest:
    """A paired significance test and which model it favours (``"neither"`` on a tie)."""

    name: str
    statistic: float
    p_value: float
    favours: Literal["champion", "challenger", "neither"]


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare_models`."""

    task: Task
    num_rows: int
    metrics: tuple[MetricDelta, ...]
    test: PairedTest
    confidence: float
    n_resamples: int
    seed: int

    def metric(self, name: str) -> MetricDelta:
        for delta in self.metrics:
            if delta.metric == name:
                return delta
        have = ", ".join(d.metric for d in self.metrics)
        raise InvalidValueError(f"metric {name!r} was not compared; compared: {have}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "num_rows": self.num_rows,
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "metrics": [asdict(d) for d in self.metrics],
            "test": asdict(self.test),
        }


def compare_models(
    y_true: Any,
    champion_pred: Any,
    challenger_pred: Any,
    *,
    task: Task,
    metrics: Sequence[str] | None = None,
    pos_label: Any = 1,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Compare two models' predictions on the same rows.

    Args:
        y_true: the true values.
        champion_pred, challenger_pred: each model's predictions (labels for classification).
        task: ``"classification"`` or ``"regression"``.
        metrics: names from ``CLASSIFICATION_METRICS`` / ``REGRESSION_METRICS``; by default
            accuracy and F1 (classification) or RMSE, MAE and R² (regression). ``f1``,
            ``precision`` and ``recall`` are of ``pos_label`` and need binary labels.
        n_resamples, confidence, seed: the paired percentile bootstrap of the deltas.

    Raises:
        InvalidValueError: unknown task or metric, misaligned or empty inputs, non-numeric
            regression values, a binary metric on more than two labels, bad bootstrap settings.
    """
    if task not in _DEFAULT_METRICS:
        raise InvalidValueError(f"task must be 'classification' or 'regression', got {task!r}")
    names = tuple(metrics) if metrics is not None else _DEFAULT_METRICS[task]
    allowed = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    unknown = [m for m in names if m not in allowed]
    if unknown or not names:
        raise InvalidValueError(
            f"unknown {task} metric(s) {unknown or '(none given)'}; "
            f"choose from {', '.join(allowed)}"
        )
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 100:
        raise InvalidValueError(f"n_resamples must be an integer >= 100, got {n_resamples!r}")
    if not 0.5 <= confidence < 1.0:
        raise InvalidValueError(f"confidence must be in [0.5, 1), got {confidence!r}")
    truth, champion, challenger = _aligned(y_true, champion_pred, challenger_pred, task)
    if task == "classification":
        labels = np.unique(np.concatenate([truth, champion, challenger]))
        binary_metrics = {"f1", "precision", "recall"} & set(names)
        if binary_metrics and (len(labels) > 2 or pos_label not in labels):
            raise InvalidValueError(
                f"{', '.join(sorted(binary_metrics))} need binary labels containing "
                f"pos_label={pos_label!r}; labels are {labels.tolist()} (use f1_macro)"
            )
        point = _classification_point(truth, pos_label)
        test = _mcnemar(truth, champion, challenger)
    else:
        point = _regression_point(truth)
        test = _wilcoxon(truth, champion, challenger)
    resampled = _bootstrap_deltas(
        truth,
        champion,
        challenger,
        names=names,
        task=task,
        pos_label=pos_label,
        n_resamples=n_resamples,
        seed=seed,
    )
    alpha = (1.0 - confidence) / 2.0
    deltas = []
    for name in names:
        champion_value = float(point[name](champion))
        challenger_value = float(point[name](challenger))
        low, high = np.nanquantile(resampled[name], [alpha, 1.0 - alpha])
        deltas.append(
            MetricDelta(
                metric=name,
                champion=champion_value,
                challenger=challenger_value,
                delta=challenger_value - champion_value,
                delta_low=float(low),
                delta_high=float(high),
                higher_is_better=name not in LOWER_IS_BETTER,
            )
        )
    return Comparison(
        task=task,
        num_rows=len(truth),
        metrics=tuple(deltas),
        test=test,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )


def _aligned(y_true: Any, first: Any, second: Any, task: str) -> tuple[np.ndarray, ...]:
    arrays = [np.asarray(a) for a in (y_true, first, second)]
    if any(a.ndim != 1 for a in arrays):
        raise InvalidValueError("y_true and both predictions must be one-dimensional")
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) != 1:
        raise InvalidValueError(
            f"y_true, champion_pred and challenger_pred must have the same length; got {lengths}"
        )
    if lengths[0] < 2:
        raise InvalidValueError(f"a comparison needs at least 2 rows, got {lengths[0]}")
    if task == "regression":
        try:
            arrays = [a.astype(float) for a in arrays]
        except (TypeError, ValueError) as exc:
            raise InvalidValueError(f"regression values must be numeric: {exc}") from exc
        if not all(np.isfinite(a).all() for a in arrays):
            raise InvalidValueError("regression values must be finite (no NaN or infinity)")
    return arrays[0], arrays[1], arrays[2]


def _bootstrap_deltas(
    truth: np.ndarray,
    champion: np.ndarray,
    challenger: np.ndarray,
    *,
    names: Sequence[str],
    task: str,
    pos_label: Any,
    n_resamples: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Challenger-minus-champion metric values on each paired bootstrap resample.

    The same resampled row counts serve every metric and both models: that is the pairing.
    Resamples are drawn in batches so memory stays near ``_BATCH_CELLS`` floats.
    """
    rng = np.random.default_rng(seed)
    labels = np.unique(np.concatenate([truth, champion, challenger]))
    batch = max(1, min(n_resamples, _BATCH_CELLS // len(truth)))
    pieces: dict[str, list[np.ndarray]] = {name: [] for name in names}
    done = 0
    while done < n_resamples:
        size = min(batch, n_resamples - done)
        counts = _resample_counts(rng, len(truth), size)
        if task == "classification":
            boot = _classification_boot(truth, counts, labels, pos_label)
        else:
            boot = _regression_boot(truth, counts)
        for name in names:
            pieces[name].append(boot[name](challenger) - boot[name](champion))
        done += size
    return {name: np.concatenate(parts) for name, parts in pieces.items()}


_BATCH_CELLS = 4_000_000


def _resample_counts(rng: np.random.Generator, n: int, n_resamples: int) -> np.ndarray:
    """How often each row appears in each bootstrap resample: shape (n_resamples, n)."""
    picks = rng.integers(0, n, size=(n_resamples, n))
    offsets = (np.arange(n_resamples) * n)[:, None]
    flat = np.bincount((picks + offsets).ravel(), minlength=n_resamples * n)
    return flat.reshape(n_resamples, n).astype(float)


Scorer = Callable[[np.ndarray], Any]


def _classification_point(truth: np.ndarray, pos_label: Any) -> dict[str, Scorer]:
    return {
        "accuracy": lambda p: skm.accuracy_score(truth, p),
        "balanced_accuracy": lambda p: skm.balanced_accuracy_score(truth, p),
        "f1": lambda p: skm.f1_score(truth, p, pos_label=pos_label, zero_division=0),
        "precision": lambda p: skm.precision_score(truth, p, pos_label=pos_label, zero_division=0),
        "recall": lambda p: skm.recall_score(truth, p, pos_label=pos_label, zero_division=0),
        "f1_macro": lambda p: skm.f1_score(truth, p, average="macro", zero_division=0),
    }


def _classification_boot(
    truth: np.ndarray, counts: np.ndarray, labels: np.ndarray, pos_label: Any
) -> dict[str, Scorer]:
    """The classification metrics of every resample at once, from per-class confusion counts."""
    n = counts.sum(axis=1)

    def per_class(pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        hits = np.stack([(truth == c) & (pred == c) for c in labels], axis=1).astype(float)
        actual = np.stack([truth == c for c in labels], axis=1).astype(float)
        predicted = np.stack([pred == c for c in labels], axis=1).astype(float)
        return counts @ hits, counts @ actual, counts @ predicted

    def ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        return np.asarray(np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0))

    position = int(np.flatnonzero(labels == pos_label)[0]) if pos_label in labels else 0

    def accuracy(pred: np.ndarray) -> np.ndarray:
        return np.asarray(per_class(pred)[0].sum(axis=1) / n)

    def balanced(pred: np.ndarray) -> np.ndarray:
        tp, actual, _ = per_class(pred)
        present = actual > 0
        return np.asarray((ratio(tp, actual) * present).sum(axis=1) / present.sum(axis=1))

    def f1_macro(pred: np.ndarray) -> np.ndarray:
        tp, actual, predicted = per_class(pred)
        present = (actual + predicted) > 0
        f1 = ratio(2 * tp, actual + predicted)
        return np.asarray((f1 * present).sum(axis=1) / present.sum(axis=1))

    def f1(pred: np.ndarray) -> np.ndarray:
        tp, actual, predicted = (m[:, position] for m in per_class(pred))
        return ratio(2 * tp, actual + predicted)

    def precision(pred: np.ndarray) -> np.ndarray:
        tp, _, predicted = (m[:, position] for m in per_class(pred))
        return ratio(tp, predicted)

    def recall(pred: np.ndarray) -> np.ndarray:
        tp, actual, _ = (m[:, position] for m in per_class(pred))
        return ratio(tp, actual)

    return {
        "accuracy": accuracy,
        "balanced_accuracy": balanced,
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "f1_macro": f1_macro,
    }


def _regression_point(truth: np.ndarray) -> dict[str, Scorer]:
    return {
        "mse": lambda p: skm.mean_squared_error(truth, p),
        "rmse": lambda p: skm.root_mean_squared_error(truth, p),
        "mae": lambda p: skm.mean_absolute_error(truth, p),
        "r2": lambda p: skm.r2_score(truth, p),
    }


def _regression_boot(truth: np.ndarray, counts: np.ndarray) -> dict[str, Scorer]:
    n = counts.sum(axis=1)
    mean = counts @ truth / n
    total = counts @ truth**2 - n * mean**2

    def mse(pred: np.ndarray) -> np.ndarray:
        return np.asarray(counts @ (truth - pred) ** 2 / n)

    def r2(pred: np.ndarray) -> np.ndarray:
        residual = counts @ (truth - pred) ** 2
        share = np.divide(residual, total, out=np.full_like(residual, np.nan), where=total > 0)
        return np.asarray(1.0 - share)

    return {
        "mse": mse,
        "rmse": lambda p: np.sqrt(mse(p)),
        "mae": lambda p: np.asarray(counts @ np.abs(truth - p) / n),
        "r2": r2,
    }


def _mcnemar(truth: np.ndarray, champion: np.ndarray, challenger: np.ndarray) -> PairedTest:
    """Exact McNemar: on the rows where exactly one model is right, is the split 50/50?"""
    champion_right = champion == truth
    challenger_right = challenger == truth
    only_champion = int(np.sum(champion_right & ~challenger_right))
    only_challenger = int(np.sum(challenger_right & ~champion_right))
    discordant = only_champion + only_challenger
    p_value = 1.0
    if discordant:
        p_value = float(stats.binomtest(only_challenger, discordant, 0.5).pvalue)
    favours = _favours(only_challenger - only_champion)
    return PairedTest(
        name="mcnemar_exact", statistic=float(only_challenger), p_value=p_value, favours=favours
    )


def _wilcoxon(truth: np.ndarray, champion: np.ndarray, challenger: np.ndarray) -> PairedTest:
    """Wilcoxon signed-rank on paired absolute errors (a smaller error favours its model)."""
    improvement = np.abs(truth - champion) - np.abs(truth - challenger)
    if not np.any(improvement != 0):
        return PairedTest(name="wilcoxon", statistic=0.0, p_value=1.0, favours="neither")
    result = stats.wilcoxon(np.abs(truth - champion), np.abs(truth - challenger))
    nonzero = improvement[improvement != 0]
    ranks = stats.rankdata(np.abs(nonzero))
    signed = float(ranks[nonzero > 0].sum() - ranks[nonzero < 0].sum())
    return PairedTest(
        name="wilcoxon",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        favours=_favours(signed),
    )


def _favours(score: float) -> Literal["champion", "challenger", "neither"]:
    if score > 0:
        return "challenger"
    if score < 0:
        return "champion"
    return "neither"

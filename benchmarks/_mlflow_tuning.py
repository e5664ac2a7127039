"""The tuning workload, and its plain-Optuna and Optuna + MLflow sides, for ``tuning.py``.

The workload (the data, the search space, the 3-fold CV LightGBM objective) is defined here once
and imported by loopml's side too, so every side trains exactly the same models.

Run as a script it measures one side and prints the result after ``BENCH-RESULT``:

- ``--tracking none``: plain Optuna, in-memory storage, no tracking (run with loopml's Python,
  so it is the same Optuna as loopml's);
- ``--tracking mlflow``: Optuna with MLflow tracking of every trial, a parent run and a nested run
  per trial with its params and score, on a SQLite tracking store (run with the Python of
  ``benchmarks/.envs/mlflow``, the latest MLflow from PyPI).

Only the standard library, Optuna, LightGBM and scikit-learn are imported at the top; MLflow only
for its side.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import optuna

RESULT_MARKER = "BENCH-RESULT "
TRIALS = 50
FOLDS = 3
TREES = 50
SEED = 0
DATASETS = ("breast_cancer", "synthetic_50k")

SPACE = {
    "learning_rate": {"float": [0.01, 0.3], "log": True},
    "num_leaves": {"int": [8, 128]},
    "min_child_samples": {"int": [5, 100]},
    "colsample_bytree": {"float": [0.5, 1.0]},
}


def load(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's data: breast cancer (569 x 30) or 50,000 x 30 synthetic, both bundled."""
    from sklearn.datasets import load_breast_cancer, make_classification

    if dataset == "breast_cancer":
        features, target = load_breast_cancer(return_X_y=True)
    elif dataset == "synthetic_50k":
        features, target = make_classification(
            n_samples=50_000, n_features=30, n_informative=12, random_state=SEED
        )
    else:
        raise SystemExit(f"unknown dataset {dataset!r}: use one of {', '.join(DATASETS)}")
    return np.asarray(features), np.asarray(target)


class TrainingClock:
    """Wall time spent inside :func:`cv_score` in this process: the work every side shares.

    Each side's total minus this is what its tuner and tracker cost: the part the targets are
    about, measured apart from the ~3 s of LightGBM a trial on the larger set whose
    run-to-run wobble (seconds over 50 trials) would otherwise bury it.
    """

    seconds = 0.0


def cv_score(params: dict[str, Any], features: np.ndarray, target: np.ndarray) -> float:
    """Mean ROC AUC of a LightGBM classifier over 3 stratified folds.

    One thread and ``deterministic``: every side gets the same score for the same params, and
    two worker processes can use the two cores without fighting over them. The time spent here
    is added to :class:`TrainingClock`.
    """
    started = time.perf_counter()
    try:
        return _cv_score(params, features, target)
    finally:
        TrainingClock.seconds += time.perf_counter() - started


def _cv_score(params: dict[str, Any], features: np.ndarray, target: np.ndarray) -> float:
    from lightgbm import LGBMClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    scores = []
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(features, target):
        model = LGBMClassifier(
            n_estimators=TREES,
            num_threads=1,
            deterministic=True,
            force_row_wise=True,
            random_state=SEED,
            verbose=-1,
            **params,
        )
        model.fit(features[train], target[train])
        scores.append(roc_auc_score(target[test], model.predict_proba(features[test])[:, 1]))
    return float(np.mean(scores))


def suggest(trial: optuna.Trial) -> dict[str, Any]:
    """The search space as plain Optuna calls (loopml's side gets the dict form ``SPACE``)."""
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 8, 128),
        "min_child_samples": trial.suggest_int("min_child_samples", 5, 100),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
    }


def emit(result: dict[str, Any]) -> None:
    """Print the result line that ``_harness.run_helper`` reads."""
    print(RESULT_MARKER + json.dumps(result), flush=True)


def _plain_objective(features: np.ndarray, target: np.ndarray) -> Callable[[optuna.Trial], float]:
    def objective(trial: optuna.Trial) -> float:
        return cv_score(suggest(trial), features, target)

    return objective


def _mlflow_objective(features: np.ndarray, target: np.ndarray) -> Callable[[optuna.Trial], float]:
    import mlflow

    def objective(trial: optuna.Trial) -> float:
        with mlflow.start_run(run_name=f"trial-{trial.number}", nested=True):
            params = suggest(trial)
            mlflow.log_params(params)
            score = cv_score(params, features, target)
            mlflow.log_metric("score", score)
        return score

    return objective


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=DATASETS, required=True)
    parser.add_argument("--tracking", choices=("none", "mlflow"), required=True)
    parser.add_argument("--trials", type=int, default=TRIALS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    features, target = load(args.dataset)
    versions = {"optuna": version("optuna"), "lightgbm": version("lightgbm")}

    with tempfile.TemporaryDirectory() as scratch:
        if args.tracking == "mlflow":
            import mlflow

            versions["mlflow"] = version("mlflow")
            mlflow.set_tracking_uri(f"sqlite:///{Path(scratch) / 'mlflow.db'}")
            mlflow.set_experiment("bench-tuning")  # creates the tables: not timed
            objective = _mlflow_objective(features, target)
        else:
            objective = _plain_objective(features, target)

        started = time.perf_counter()
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=SEED)
        )
        if args.tracking == "mlflow":
            with mlflow.start_run(run_name="tune"):
                study.optimize(objective, n_trials=args.trials)
                mlflow.log_params({f"best.{k}": v for k, v in study.best_params.items()})
                mlflow.log_metric("best_score", study.best_value)
        else:
            study.optimize(objective, n_trials=args.trials)
        elapsed = time.perf_counter() - started

    emit(
        {
            "side": f"optuna+{args.tracking}" if args.tracking != "none" else "optuna",
            "dataset": args.dataset,
            "trials": len(study.trials),
            "seconds": elapsed,
            "training_seconds": TrainingClock.seconds,
            "best_value": study.best_value,
            "values": [trial.value for trial in study.trials],
            "versions": versions,
            "python": sys.version.split()[0],
        }
    )


if __name__ == "__main__":
    main()

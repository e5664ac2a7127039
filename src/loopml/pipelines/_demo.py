"""The demo loop, first version: three candidates on breast-cancer data, the best is champion.

It exercises the ground floor end to end: a versioned dataset, tracked runs with params, metric
series and inputs, a registered model with an alias, and a verified load of ``@champion``.
Later issues grow it into the whole loop (monitoring, retraining, gating).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from loopml.store import Stores, default_stores

EXPERIMENT = "breast-cancer-demo"
MODEL_NAME = "breast-cancer-classifier"
DATASET_NAME = "breast-cancer"
SELECTION_METRIC = "roc_auc"


@dataclass(frozen=True)
class DemoResult:
    """What the demo made: the candidates' run ids, the champion's run and model version."""

    experiment: str
    run_ids: list[str]
    champion_run_id: str
    model_uri: str
    champion_version: int
    scores: dict[str, float]


def _candidates(seed: int) -> dict[str, Any]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    candidates: dict[str, Any] = {
        "logistic-regression": make_pipeline(
            StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)
        ),
        "random-forest": RandomForestClassifier(
            n_estimators=200, max_depth=6, random_state=seed, n_jobs=1
        ),
    }
    try:
        from lightgbm import LGBMClassifier

        candidates["lightgbm"] = LGBMClassifier(
            n_estimators=200,
            learning_rate=0.05,
            num_leaves=15,
            random_state=seed,
            verbose=-1,
            n_jobs=1,
        )
    except ImportError:  # the [boost] extra is not installed: two candidates still compare
        from sklearn.ensemble import HistGradientBoostingClassifier

        candidates["hist-gradient-boosting"] = HistGradientBoostingClassifier(random_state=seed)
    return candidates


def run_demo(
    *, seed: int = 42, stores: Stores | None = None, on_step: Callable[[str], None] | None = None
) -> DemoResult:
    """Train the candidates with tracking, register the best as ``champion``, load it back."""
    import pandas as pd
    from sklearn.datasets import load_breast_cancer
    from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score
    from sklearn.model_selection import train_test_split

    from loopml.data import log_dataset
    from loopml.registry import load_model, register_model
    from loopml.tracking import start_run

    stores = stores or default_stores()
    step = on_step or (lambda _message: None)
    bunch = load_breast_cancer(as_frame=True)
    frame: pd.DataFrame = bunch.frame
    dataset = log_dataset(
        frame,
        name=DATASET_NAME,
        source={
            "kind": "bundled",
            "package": "scikit-learn",
            "loader": "sklearn.datasets.load_breast_cancer",
        },
        stores=stores,
    )
    step(f"dataset {dataset.uri}: {dataset.num_rows} rows")
    features = frame.drop(columns="target")
    x_train, x_test, y_train, y_test = train_test_split(
        features, frame["target"], test_size=0.25, stratify=frame["target"], random_state=seed
    )
    run_ids: list[str] = []
    scores: dict[str, float] = {}
    models: dict[str, Any] = {}
    with start_run(EXPERIMENT, name="demo", params={"seed": seed}, stores=stores) as parent:
        parent.log_input(dataset, context="source")
        for name, model in _candidates(seed).items():
            with start_run(
                name=name, params={"model": name, **_flat_params(model)}, stores=stores
            ) as run:
                run.log_input(dataset, context="train")
                if name == "lightgbm":
                    _fit_with_validation(model, x_train, y_train, x_test, y_test)
                    for i, value in enumerate(model.evals_result_["valid_0"]["binary_logloss"]):
                        run.log_metric("valid_logloss", value, step=i)
                else:
                    model.fit(x_train, y_train)
                proba = model.predict_proba(x_test)[:, 1]
                predicted = (proba >= 0.5).astype(int)
                metrics = {
                    "accuracy": accuracy_score(y_test, predicted),
                    "f1": f1_score(y_test, predicted),
                    "roc_auc": roc_auc_score(y_test, proba),
                    "log_loss": log_loss(y_test, proba),
                }
                run.log_metrics(metrics)
                run_ids.append(run.id)
                scores[run.id] = float(metrics[SELECTION_METRIC])
                models[run.id] = model
                step(f"{name}: {SELECTION_METRIC}={metrics[SELECTION_METRIC]:.4f}")
        champion_run_id = max(scores, key=lambda run_id: scores[run_id])
        parent.log_metric(f"best_{SELECTION_METRIC}", scores[champion_run_id])
    version = register_model(
        models[champion_run_id],
        MODEL_NAME,
        run=champion_run_id,
        sample=x_test.head(5),
        aliases=["champion"],
        description="Best of the demo candidates by ROC AUC.",
        stores=stores,
    )
    uri = f"models:/{MODEL_NAME}@champion"
    loaded = load_model(uri, stores=stores)
    if not np.array_equal(loaded.predict(x_test), models[champion_run_id].predict(x_test)):
        raise RuntimeError("the loaded champion predicts differently from the trained model")
    step(f"registered {MODEL_NAME} v{version.version} as champion; loaded it back and checked it")
    return DemoResult(
        experiment=EXPERIMENT,
        run_ids=run_ids,
        champion_run_id=champion_run_id,
        model_uri=uri,
        champion_version=version.version,
        scores=scores,
    )


def _fit_with_validation(
    model: Any, x_train: Any, y_train: Any, x_valid: Any, y_valid: Any
) -> None:
    """Fit LightGBM recording the validation log loss of every iteration (4.7 renamed the args)."""
    import inspect

    if "eval_X" in inspect.signature(model.fit).parameters:
        model.fit(
            x_train, y_train, eval_X=(x_valid,), eval_y=(y_valid,), eval_metric="binary_logloss"
        )
    else:
        model.fit(x_train, y_train, eval_set=[(x_valid, y_valid)], eval_metric="binary_logloss")


def _flat_params(model: Any) -> dict[str, Any]:
    """The estimator's scalar hyper-parameters (steps of a pipeline prefixed by their name)."""
    return {
        key: value
        for key, value in model.get_params(deep=True).items()
        if isinstance(value, str | int | float | bool | type(None))
        and key not in ("memory", "verbose")
    }

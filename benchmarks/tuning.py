"""Tuning: loopml's tuner against plain Optuna and against Optuna + MLflow, in one run.

50 trials of LightGBM (3-fold CV, one thread per fit) on breast cancer (569 x 30) and on a
50,000 x 30 synthetic set, the same TPE seed and the same objective code on every side
(``_mlflow_tuning.py`` holds the workload):

- **loopml**: ``loopml.training.tune`` (a parent run, a nested run per trial with its params and
  score, the HTML report and trials CSV on the parent), workers=1, and workers=2 on the larger set;
- **Optuna**: plain Optuna, in-memory storage, no tracking (loopml's environment: same Optuna);
- **Optuna + MLflow**: a nested MLflow run per trial with its params and score, SQLite tracking
  store, latest MLflow from PyPI in ``benchmarks/.envs/mlflow``.

Every measurement is a fresh process; the repeats go round-robin over the sides (repeat 1 of
every side, then repeat 2...) and each side's median counts. Timed: from creating the study to
the end of the tuning (for loopml everything ``tune`` does, report included; opening the stores
is not timed, as creating MLflow's tables is not). Checks: loopml's trial scores equal plain
Optuna's one for one.

Every side also times the shared objective itself (``_mlflow_tuning.TrainingClock``: the wall
time inside the 3-fold CV), so each total splits into training, identical work on every side,
and the rest: what the tuner and the tracker cost. The verdicts compare the rest; on the larger
set a trial trains for ~3 s and repeats of one side differ by seconds, which buries a tracker's
milliseconds in the totals. The totals, their ratio and the training time of each side are
printed beside the verdicts, so a tuner that slowed the training itself would show there.

Targets (issue): loopml's added cost per trial <= 10 ms over plain Optuna; loopml faster than
Optuna + MLflow on both sets; 2 workers >= 1.8x the trial throughput of 1 worker on the larger set.

Usage::

    .venv/bin/python benchmarks/tuning.py [--trials 50] [--repeats 1] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _harness import BenchmarkError, loopml_source, machine, run_helper
from _peers import peer_python
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
MLFLOW_REQUIREMENTS = ("mlflow", "optuna", "lightgbm", "scikit-learn")
MLFLOW_IMPORTS = ("mlflow", "optuna", "lightgbm", "sklearn")
MAX_OVERHEAD_MS = 10.0
MIN_WORKER_SPEEDUP = 1.8
LARGER = "synthetic_50k"


def loopml_side(dataset: str, trials: int, workers: int) -> None:
    """Measure loopml's tuner in this process (a fresh LOOPML_HOME) and print the result."""
    import warnings

    import _mlflow_tuning as workload
    import optuna

    from loopml.core import Settings
    from loopml.store import Stores
    from loopml.training import TuningTrial, tune

    warnings.filterwarnings("ignore")
    # As the Optuna sides do (``_mlflow_tuning.main``): no INFO line per trial on stderr.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    features, target = workload.load(dataset)

    def objective(trial: TuningTrial) -> float:
        return workload.cv_score(trial.params, features, target)

    with tempfile.TemporaryDirectory() as scratch:
        stores = Stores.from_settings(Settings(home=Path(scratch) / "home")).open()
        started = time.perf_counter()
        result = tune(
            objective,
            space=workload.SPACE,
            n_trials=trials,
            sampler="tpe",
            seed=workload.SEED,
            workers=workers,
            stores=stores,
        )
        elapsed = time.perf_counter() - started
        ordered = result.trials.sort_values("number")
        workload.emit(
            {
                "side": "loopml" if workers == 1 else f"loopml {workers} workers",
                "dataset": dataset,
                "trials": len(ordered),
                "seconds": elapsed,
                # With two workers the trials train in the worker processes, out of this clock.
                "training_seconds": workload.TrainingClock.seconds if workers == 1 else None,
                "best_value": result.best_value,
                "values": [float(v) for v in ordered["value"]],
            }
        )
        stores.metadata.dispose()


def outside_training(repeats: list[dict[str, Any]]) -> dict[str, Any]:
    """The medians of a side's training time and of its time outside training, over repeats.

    Empty for the two-worker side, whose trials train in other processes.
    """
    if any(r.get("training_seconds") is None for r in repeats):
        return {}
    outside = [r["seconds"] - r["training_seconds"] for r in repeats]
    return {
        "training_s": statistics.median(r["training_seconds"] for r in repeats),
        "outside_s": statistics.median(outside),
        "all_outside_s": [round(value, 4) for value in outside],
    }


def measure(side: str, dataset: str, trials: int, mlflow_python: Path | None) -> dict[str, Any]:
    """One side on one data set, in a fresh process."""
    if side.startswith("loopml"):
        workers = "2" if side.endswith("2 workers") else "1"
        command = [sys.executable, __file__, "--side", "loopml", "--dataset", dataset]
        command += ["--trials", str(trials), "--workers", workers]
        return run_helper(command)
    helper = [str(HERE / "_mlflow_tuning.py"), "--dataset", dataset, "--trials", str(trials)]
    if side == "optuna":
        return run_helper([sys.executable, *helper, "--tracking", "none"])
    assert mlflow_python is not None
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    return run_helper([str(mlflow_python), *helper, "--tracking", "mlflow"], env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=1, help="the median of this many runs")
    parser.add_argument("--datasets", nargs="+", default=["breast_cancer", LARGER])
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 1 when a target misses")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "loopml":
        loopml_side(args.dataset, args.trials, args.workers)
        return 0

    console = Console()
    mlflow_python = peer_python(
        "mlflow", requirements=MLFLOW_REQUIREMENTS, imports=MLFLOW_IMPORTS, console=console
    )
    results: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for dataset in args.datasets:
        sides = ["optuna", "loopml", "optuna+mlflow"]
        if dataset == LARGER:
            sides.append("loopml 2 workers")
        by_side: dict[str, dict[str, Any]] = {}
        measured: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
        # Round-robin: repeat r of every side before repeat r + 1 of any, so a busy spell on
        # the shared machine lands on all sides alike instead of on whichever ran then.
        for repeat in range(args.repeats):
            for side in sides:
                console.print(
                    f"[bold]{dataset}[/bold]: {side} ({args.trials} trials), "
                    f"repeat {repeat + 1} of {args.repeats} ..."
                )
                try:
                    measured[side].append(measure(side, dataset, args.trials, mlflow_python))
                except BenchmarkError as failure:
                    console.print(f"[red]{failure}[/red]")
                    return 1
                console.print(f"  {measured[side][-1]['seconds']:.2f} s")
        for side in sides:
            repeats = sorted(measured[side], key=lambda result: result["seconds"])
            # The median repeat: the machine is shared, and one slow outlier should not decide.
            by_side[side] = {
                **repeats[len(repeats) // 2],
                "all_seconds": [round(r["seconds"], 3) for r in measured[side]],
                **outside_training(measured[side]),
            }
            results.append(by_side[side])
        plain, ours, peer = by_side["optuna"], by_side["loopml"], by_side["optuna+mlflow"]
        same = plain["values"] == ours["values"]
        checks.append({"dataset": dataset, "loopml_scores_equal_plain_optuna": same})
        # The verdicts use the time outside the shared training (see ``_mlflow_tuning.
        # TrainingClock``): every side trains the very same models, so what differs between
        # them is the tuner and the tracker; the totals' ratio is reported beside it.
        overhead_ms = (ours["outside_s"] - plain["outside_s"]) / args.trials * 1000
        mlflow_ms = (peer["outside_s"] - plain["outside_s"]) / args.trials * 1000
        targets.append(
            {
                "dataset": dataset,
                "target": f"loopml added cost per trial <= {MAX_OVERHEAD_MS:g} ms",
                "value": round(overhead_ms, 2),
                "met": overhead_ms <= MAX_OVERHEAD_MS,
                "mlflow_added_ms_per_trial": round(mlflow_ms, 2),
                "by_totals_ms": round((ours["seconds"] - plain["seconds"]) / args.trials * 1000, 2),
            }
        )
        training = statistics.median(
            r["training_seconds"]
            for side in ("optuna", "loopml", "optuna+mlflow")
            for r in measured[side]
        )
        # Repeat r of both sides ran back to back (round-robin): a paired comparison.
        outside = {side: by_side[side]["all_outside_s"] for side in ("loopml", "optuna+mlflow")}
        wins = sum(
            mine < theirs
            for mine, theirs in zip(outside["loopml"], outside["optuna+mlflow"], strict=True)
        )
        targets.append(
            {
                "dataset": dataset,
                "target": "loopml faster than Optuna + MLflow",
                "value": round((training + peer["outside_s"]) / (training + ours["outside_s"]), 4),
                "met": ours["outside_s"] < peer["outside_s"],
                "by_totals": round(peer["seconds"] / ours["seconds"], 4),
                "repeats_won": f"{wins} of {args.repeats}",
            }
        )
        if "loopml 2 workers" in by_side:
            speedup = ours["seconds"] / by_side["loopml 2 workers"]["seconds"]
            targets.append(
                {
                    "dataset": dataset,
                    "target": f"2 workers >= {MIN_WORKER_SPEEDUP}x the throughput of 1",
                    "value": round(speedup, 3),
                    "met": speedup >= MIN_WORKER_SPEEDUP,
                }
            )

    table = Table(title=f"Tuning: {args.trials} trials of LightGBM, 3-fold CV (medians)")
    columns = ("data set", "side", "seconds", "training s", "outside training s", "ms / trial")
    for column in (*columns, "best ROC AUC"):
        table.add_column(column)
    for result in results:
        outside = result.get("outside_s")
        table.add_row(
            result["dataset"],
            result["side"],
            f"{result['seconds']:.2f}",
            "" if outside is None else f"{result['training_s']:.2f}",
            "" if outside is None else f"{outside:.3f}",
            f"{result['seconds'] / result['trials'] * 1000:.1f}",
            f"{result['best_value']:.5f}",
        )
    console.print(table)
    for check in checks:
        mark = (
            "[green]yes[/green]" if check["loopml_scores_equal_plain_optuna"] else "[red]NO[/red]"
        )
        console.print(f"{check['dataset']}: loopml's trial scores equal plain Optuna's: {mark}")
    for target in targets:
        mark = "[green]met[/green]" if target["met"] else "[red]MISSED[/red]"
        extra = ""
        if "mlflow_added_ms_per_trial" in target:
            extra = (
                f" (MLflow adds {target['mlflow_added_ms_per_trial']} ms; by the totals: "
                f"loopml {target['by_totals_ms']} ms)"
            )
        elif "by_totals" in target:
            extra = (
                f"x with the same training (totals: {target['by_totals']}x; loopml spent less "
                f"time outside training in {target['repeats_won']} paired repeats)"
            )
        console.print(f"{target['dataset']}: {target['target']}: {target['value']}{extra} {mark}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "benchmark": "tuning",
                    "when": datetime.now(UTC).isoformat(timespec="seconds"),
                    "machine": machine(),
                    "loopml": loopml_source(),
                    "results": [{k: v for k, v in r.items() if k != "values"} for r in results],
                    "checks": checks,
                    "targets": targets,
                },
                indent=2,
            )
        )
    if not all(check["loopml_scores_equal_plain_optuna"] for check in checks):
        return 1
    if args.fail_on_miss and not all(target["met"] for target in targets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

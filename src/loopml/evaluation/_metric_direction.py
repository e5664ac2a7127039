"""Which way each metric points, apart from the metric code so that ranking scores (the pipeline's
select step, tuning, comparisons) does not import scikit-learn."""

# Metrics where a smaller value is better (every other metric: larger is better). One set for
# every place that ranks or compares scores: trainers, tuning, slices, comparisons, pipelines.
LOWER_IS_BETTER = frozenset({"log_loss", "brier", "mse", "rmse", "mae", "mape"})

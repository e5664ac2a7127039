"""The data the data benchmarks share: N rows x 20 mixed columns, the same for every seed.

``benchmarks/validate.py`` and ``benchmarks/profile.py`` measure loopml against its peers on the
issue's table: floats with missing values, integers, categoricals of 5, 50 and 2,000 values and a
binary target. The table is made here once, deterministically (numpy's PCG64 with a fixed seed), and
written to Parquet, so every side (each in its own environment, each with its own pandas) reads the
very same values. The categoricals are plain string columns (what a CSV or a SQL query yields), not
pandas ``category`` columns: a peer gets no head start from a dictionary encoding it did not make.

Only numpy, pandas and pyarrow are used, so a peer's environment can import this module too.

Columns (20): ``id`` (unique int), six more integers (``age``, ``children``, ``visits``, ``year``,
``score``, ``tenure_days``), nine floats of which six have missing values (``income`` 5 %,
``balance`` 10 %, ``ratio`` 2 %, ``weight_kg`` 1 %, ``discount`` 30 %, ``rating`` 3 %), ``plan``
(5 values), ``state`` (50), ``product`` (2,000, ``sku_0000`` ... ``sku_1999``) and ``target`` (0/1,
about 20 % ones, related to age, income, plan and visits so a profile has something to find).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 20_240_601

PLANS = ("free", "basic", "plus", "pro", "enterprise")
PLAN_WEIGHTS = (0.45, 0.25, 0.15, 0.1, 0.05)
# fmt: off
STATES = (  # the 50 US states' postal codes
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA",
    "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD",
    "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC",
    "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
)
# fmt: on
PRODUCT_COUNT = 2000
PRODUCTS = tuple(f"sku_{index:04d}" for index in range(PRODUCT_COUNT))
INTEGER_COLUMNS = ("id", "age", "children", "visits", "year", "score", "tenure_days")
FLOAT_COLUMNS = (
    "income",
    "balance",
    "ratio",
    "temperature",
    "weight_kg",
    "height_cm",
    "latency_ms",
    "discount",
    "rating",
)
CATEGORICAL_COLUMNS = ("plan", "state", "product")
TARGET = "target"


def _with_missing(values: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    values = values.astype(np.float64)
    values[rng.random(values.size) < fraction] = np.nan
    return values


def mixed_frame(rows: int = DEFAULT_ROWS, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The benchmark table: ``rows`` x 20 mixed columns, identical for identical arguments."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 91, rows)
    visits = rng.poisson(4.0, rows)
    plan_codes = rng.choice(len(PLANS), size=rows, p=PLAN_WEIGHTS)
    # A Zipf-like popularity over the products, as in real catalogues.
    popularity = 1.0 / np.arange(1, PRODUCT_COUNT + 1) ** 0.8
    product_codes = rng.choice(PRODUCT_COUNT, size=rows, p=popularity / popularity.sum())
    state_codes = rng.integers(0, len(STATES), rows)
    income = rng.lognormal(10.5, 0.6, rows)
    logit = -2.2 + 0.02 * (age - 50) + 0.35 * (np.log(income) - 10.5) + 0.25 * plan_codes
    logit += 0.05 * (visits - 4)
    target = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    columns = {
        "id": rng.permutation(rows).astype(np.int64) + 1_000_000,
        "age": age.astype(np.int64),
        "children": rng.poisson(1.1, rows).astype(np.int64),
        "visits": visits.astype(np.int64),
        "year": rng.integers(2015, 2019, rows).astype(np.int64),
        "score": rng.integers(300, 851, rows).astype(np.int64),
        "tenure_days": rng.integers(0, 3651, rows).astype(np.int64),
        "income": _with_missing(np.round(income, 2), 0.05, rng),
        "balance": _with_missing(np.round(rng.normal(1_000.0, 500.0, rows), 2), 0.10, rng),
        "ratio": _with_missing(rng.random(rows), 0.02, rng),
        "temperature": rng.normal(20.0, 5.0, rows),
        "weight_kg": _with_missing(rng.normal(72.0, 12.0, rows).clip(35.0, 180.0), 0.01, rng),
        "height_cm": rng.normal(170.0, 10.0, rows).clip(120.0, 220.0),
        "latency_ms": rng.exponential(120.0, rows),
        "discount": _with_missing(rng.uniform(0.0, 0.5, rows), 0.30, rng),
        "rating": _with_missing(np.round(rng.uniform(1.0, 5.0, rows), 1), 0.03, rng),
        "plan": np.asarray(PLANS, dtype=object)[plan_codes],
        "state": np.asarray(STATES, dtype=object)[state_codes],
        "product": np.asarray(PRODUCTS, dtype=object)[product_codes],
        TARGET: target,
    }
    frame = pd.DataFrame(columns)
    for name in CATEGORICAL_COLUMNS:
        frame[name] = frame[name].astype("string[pyarrow]" if _old_pandas() else "str")
    return frame


def _old_pandas() -> bool:
    return int(pd.__version__.split(".")[0]) < 3


def write_mixed_parquet(path: Path, rows: int = DEFAULT_ROWS, *, seed: int = DEFAULT_SEED) -> Path:
    """Write :func:`mixed_frame` to ``path`` as plain Parquet (no pandas metadata) and return it."""
    table = pa.Table.from_pandas(mixed_frame(rows, seed=seed), preserve_index=False)
    table = table.replace_schema_metadata(None).cast(
        pa.schema(
            pa.field(f.name, pa.string() if pa.types.is_large_string(f.type) else f.type)
            for f in table.schema
        )
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return path


def read_mixed_parquet(path: Path) -> pd.DataFrame:
    """The table as the running pandas reads it (NaN for missing floats, int64 integers)."""
    return pq.read_table(path).to_pandas()

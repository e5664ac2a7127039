"""Write ``upgrade_assets/<head revision>.sqlite``: a database with one record of every kind.

Run once per schema revision, when a migration is added, and commit the file:

    .venv/bin/python tests/store/make_upgrade_snapshot.py

``test_upgrades.py`` opens every snapshot with the current code and reads the records back, so a
migration that breaks old data (or an edit to a released migration) fails the suite.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
from sklearn.linear_model import LogisticRegression

from loopml.core import Settings
from loopml.data import log_dataset
from loopml.pipelines import Step, run_pipeline
from loopml.registry import register_model
from loopml.store import MetadataStore, Stores
from loopml.tracking import start_run

ASSETS = Path(__file__).parent / "upgrade_assets"


def make_snapshot() -> Path:
    """Create the snapshot of the head revision and return its path."""
    with tempfile.TemporaryDirectory() as tmp:
        stores = Stores.from_settings(Settings(home=Path(tmp))).open()
        frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0, 0, 1, 1]})
        dataset = log_dataset(frame, name="snapshot-data", stores=stores)
        with start_run("snapshot", name="parent", params={"seed": 1}, stores=stores) as parent:
            parent.log_input(dataset)
            parent.set_tags({"stage": "snapshot"})
            for step in range(5):
                parent.log_metric("loss", 1.0 / (step + 1), step=step)
            parent.log_metric("odd", float("nan"))
            with start_run(name="child", stores=stores) as child:
                child.log_metric("f1", 0.75)
        model = LogisticRegression().fit(frame[["x"]], frame["y"])
        register_model(
            model,
            "snapshot-model",
            run=parent,
            sample=frame[["x"]],
            aliases=["champion"],
            stores=stores,
        )
        run_pipeline(  # revision 0003: pipeline and step runs
            "snapshot", [Step("count", lambda _context: {"rows": 4})], stores=stores
        )
        stores.metadata.dispose()
        ASSETS.mkdir(exist_ok=True)
        target = ASSETS / f"{MetadataStore.head_revision()}.sqlite"
        shutil.copyfile(Path(tmp) / "loopml.db", target)
        return target


if __name__ == "__main__":
    print(make_snapshot())

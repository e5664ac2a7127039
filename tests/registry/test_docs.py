"""The example in docs/registry.md runs as written (against each test database)."""

from __future__ import annotations

import re
from pathlib import Path

from loopml.store import Stores

DOC = Path(__file__).parents[2] / "docs" / "registry.md"


def test_the_documented_example_runs(stores: Stores) -> None:
    example = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)[0]
    exec(compile(example, str(DOC), "exec"), {"__name__": "docs_example"})

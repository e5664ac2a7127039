"""The environment a run records: the package list equals importlib.metadata's."""

from __future__ import annotations

import importlib.metadata
import re

from loopml.tracking._environment import installed_packages


def test_installed_packages_are_those_importlib_metadata_lists() -> None:
    expected: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            expected.setdefault(re.sub(r"[-_.]+", "-", name).lower(), dist.version)
    assert installed_packages() == dict(sorted(expected.items()))
    assert installed_packages()["scikit-learn"] == importlib.metadata.version("scikit-learn")

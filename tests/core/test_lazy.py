"""Lazy package exports: every stage's names resolve, the lists agree, importing costs nothing."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from loopml.core._lazy import lazy_exports, type_checking_imports

LAZY_PACKAGES = (
    "loopml",
    "loopml.data",
    "loopml.data._cleaning",
    "loopml.datasets",
    "loopml.evaluation",
    "loopml.pipelines",
    "loopml.registry",
    "loopml.tracking",
    "loopml.training",
)


def test_type_checking_imports_reads_only_the_type_checking_block() -> None:
    source = """
import typing
from os import path
if typing.TYPE_CHECKING:
    from json import dumps, loads as read
    from ._sibling import helper
if TYPE_CHECKING:
    from pathlib import Path
"""
    assert type_checking_imports(source, "pkg.sub") == {
        "dumps": ("json", "dumps"),
        "read": ("json", "loads"),
        "helper": ("pkg.sub._sibling", "helper"),
        "Path": ("pathlib", "Path"),
    }


def test_a_lazy_package_serves_its_names_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "lazy_demo_pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from loopml.core._lazy import lazy_exports\n"
        "__getattr__, __dir__ = lazy_exports(__name__, __file__)\n"
        "if TYPE_CHECKING:\n"
        "    from lazy_demo_pkg._heavy import answer, Thing as Renamed\n"
    )
    (package / "_heavy.py").write_text("answer = 42\nclass Thing: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("lazy_demo_pkg")
    try:
        assert "lazy_demo_pkg._heavy" not in sys.modules
        assert {"answer", "Renamed"} <= set(dir(module))
        assert module.answer == 42
        assert "lazy_demo_pkg._heavy" in sys.modules
        assert module.Renamed.__name__ == "Thing"
        assert "answer" in vars(module)  # stored: the next lookup is a plain attribute read
        with pytest.raises(AttributeError, match="'lazy_demo_pkg' has no attribute 'nope'"):
            _ = module.nope
    finally:
        for name in ("lazy_demo_pkg", "lazy_demo_pkg._heavy"):
            sys.modules.pop(name, None)


def test_lazy_exports_of_a_missing_name_is_an_attribute_error(tmp_path: Path) -> None:
    init = tmp_path / "__init__.py"
    init.write_text("")
    getattr_, dir_ = lazy_exports("not_a_real_package", str(init))
    with pytest.raises(AttributeError, match="no attribute 'anything'"):
        getattr_("anything")


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_every_public_name_of_a_stage_resolves(name: str) -> None:
    package = importlib.import_module(name)
    exports = type_checking_imports(Path(package.__file__ or "").read_text("utf-8"), name)
    assert set(package.__all__) == set(exports), "__all__ and the TYPE_CHECKING imports differ"
    for public in package.__all__:
        assert getattr(package, public) is not None, public


def test_importing_every_stage_loads_no_heavy_library() -> None:
    """``import loopml.training`` used to import scikit-learn, LightGBM, plotly and pandas."""
    heavy = ("pandas", "sklearn", "scipy", "plotly", "duckdb", "lightgbm", "optuna", "skops")
    code = (
        f"import sys\nimport {', '.join(LAZY_PACKAGES)}\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""

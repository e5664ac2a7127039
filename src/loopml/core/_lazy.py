"""Lazy package exports (PEP 562): a stage's names load its modules on first use.

Importing a stage package used to import every module in it, and with them pandas, scikit-learn,
plotly and DuckDB: seconds before a command that needs none of them (``loopml run`` on an
unchanged project) could start. A package now lists its public names once, as imports under
``if TYPE_CHECKING:`` (what type checkers and IDEs read), and :func:`lazy_exports` reads that
block from the package's own file and imports each name's module the first time it is asked for.

Example (a package ``__init__.py``)::

    from typing import TYPE_CHECKING

    from loopml.core._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, __file__)

    if TYPE_CHECKING:
        from loopml.data._datasets import get_dataset, log_dataset
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def type_checking_imports(source: str, package: str) -> dict[str, tuple[str, str]]:
    """The names imported under ``if TYPE_CHECKING:`` in ``source``: name -> (module, attribute).

    Relative imports are resolved against ``package``.
    """
    exports: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.If) and _is_type_checking(node.test)):
            continue
        for statement in node.body:
            if not isinstance(statement, ast.ImportFrom):
                continue
            module = statement.module or ""
            if statement.level:
                module = importlib.util.resolve_name("." * statement.level + module, package)
            for alias in statement.names:
                exports[alias.asname or alias.name] = (module, alias.name)
    return exports


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def lazy_exports(
    package: str, init_file: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` that serve its ``TYPE_CHECKING`` imports.

    The file is read on the first lookup, not at import; a name, once loaded, is stored in the
    package's namespace, so later lookups are plain attribute reads.
    """
    table: dict[str, tuple[str, str]] = {}

    def exports() -> dict[str, tuple[str, str]]:
        if not table:
            table.update(type_checking_imports(Path(init_file).read_text("utf-8"), package))
        return table

    def __getattr__(name: str) -> Any:
        target = exports().get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = target
        value = getattr(importlib.import_module(module), attribute)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports()})

    return __getattr__, __dir__

"""Data sets that ship with loopml, for the demo, the docs and the tests (nothing downloaded).

- :func:`load_employment`: US Census ACS employment data for Massachusetts, 2015-2018
  (277,677 people, real drift between years, sensitive attributes, labels arriving late);
  where it comes from is in ``PROVENANCE.md`` next to this file.
- :func:`load_breast_cancer`, :func:`load_wine`, :func:`load_digits`, :func:`load_diabetes`:
  scikit-learn's small bundled sets as DataFrames with a ``target`` column.

Example::

    from loopml.datasets import load_employment

    people = load_employment(part="reference", decode=True)
"""

from typing import TYPE_CHECKING

from loopml.core._lazy import lazy_exports

# Names load their modules on first use (see loopml.core._lazy): importing this package
# costs nothing until a name is used.
__getattr__, __dir__ = lazy_exports(__name__, __file__)

if TYPE_CHECKING:
    from loopml.datasets._employment import (
        EMPLOYMENT_CODES,
        EMPLOYMENT_COLUMNS,
        EMPLOYMENT_FEATURES,
        load_employment,
        load_employment_labels,
    )
    from loopml.datasets._sklearn_sets import (
        load_breast_cancer,
        load_diabetes,
        load_digits,
        load_wine,
    )


__all__ = [
    "EMPLOYMENT_CODES",
    "EMPLOYMENT_COLUMNS",
    "EMPLOYMENT_FEATURES",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_employment",
    "load_employment_labels",
    "load_wine",
]

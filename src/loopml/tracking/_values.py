"""Checks and conversions of what users log: metric keys and values, steps, params, tags."""

from __future__ import annotations

import json
import numbers
import operator
import re
from typing import Any

from loopml.core import InvalidValueError

_KEY_RE = re.compile(r"^[^\x00-\x1f]{1,255}$")


def check_key(kind: str, key: object) -> str:
    """Return ``key`` if it can name a metric/param/tag, else raise :class:`InvalidValueError`."""
    if not isinstance(key, str) or not key.strip() or not _KEY_RE.match(key):
        raise InvalidValueError(
            f"{kind} name {key!r} must be a non-blank string of at most 255 characters"
        )
    return key


def metric_value(key: str, value: object) -> float:
    """``value`` as a float; NaN and ±inf are kept as they are.

    Raises:
        InvalidValueError: ``value`` is not a real number (strings, None, bools, complex).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        # numpy scalars register as numbers.Real; numpy bools do not, and are refused here too.
        raise InvalidValueError(
            f"metric {key!r} value {value!r} is a {type(value).__name__}, not a real number"
        )
    return float(value)


def metric_step(key: str, step: object) -> int:
    """``step`` as an int (numpy integers accepted)."""
    if isinstance(step, bool):
        raise InvalidValueError(f"metric {key!r} step {step!r} is a bool, not an integer")
    try:
        return operator.index(step)  # type: ignore[arg-type]
    except TypeError:
        raise InvalidValueError(
            f"metric {key!r} step {step!r} is a {type(step).__name__}, not an integer"
        ) from None


def text_value(kind: str, key: str, value: Any) -> str:
    """A param or tag value as the string that is stored (JSON for lists and dicts)."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, list | tuple | dict):
        try:
            return json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError) as exc:
            raise InvalidValueError(f"{kind} {key!r} value cannot be stored: {exc}") from exc
    if isinstance(value, numbers.Number):
        return str(value.item() if hasattr(value, "item") else value)
    return str(value)

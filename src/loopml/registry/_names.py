"""Checks of what users name and describe in the registry: models, aliases, versions, tags.

Model names and aliases end up in URIs (``models:/churn@champion``), REST paths and run
artifact paths, so they are restricted to characters that need no escaping anywhere. Aliases
must start with a letter, so ``get_model_version("churn", "3")`` can never mean an alias, and
``latest`` is reserved because it always means the newest version.
"""

from __future__ import annotations

import numbers
import operator
import re
from collections.abc import Iterable, Mapping

from loopml.core import InvalidValueError

_MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_ALIAS_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_TAG_KEY_RE = re.compile(r"^[^\x00-\x1f]{1,255}$")
_MAX_VERSION = 2**31 - 1  # the column is a 32-bit INTEGER on both databases
LATEST = "latest"


def check_model_name(name: object) -> str:
    """Return ``name`` if it can name a model, else raise :class:`InvalidValueError`."""
    if not isinstance(name, str) or not _MODEL_NAME_RE.match(name):
        raise InvalidValueError(
            f"model name {name!r} must be 1-128 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or a digit"
        )
    return name


def check_alias(alias: object) -> str:
    """Return ``alias`` if it can name an alias, else raise :class:`InvalidValueError`."""
    if not isinstance(alias, str) or not _ALIAS_RE.match(alias):
        raise InvalidValueError(
            f"alias {alias!r} must be 1-64 characters: letters, digits, '_' or '-', "
            "starting with a letter (e.g. 'champion')"
        )
    if alias.lower() == LATEST:
        raise InvalidValueError(
            f"alias {alias!r} is reserved: 'latest' always means the newest version"
        )
    return alias


def check_aliases(aliases: Iterable[str] | str) -> list[str]:
    """Checked aliases in order, without duplicates (a bare string is one alias, not letters)."""
    if isinstance(aliases, str):
        aliases = (aliases,)
    checked: list[str] = []
    for alias in aliases:
        if check_alias(alias) not in checked:
            checked.append(alias)
    return checked


def check_version_number(version: object) -> int:
    """``version`` as a positive int (numpy integers and digit strings accepted)."""
    if isinstance(version, str) and version.isascii() and version.isdigit():
        number = int(version)
    elif isinstance(version, bool) or not isinstance(version, numbers.Integral):
        raise InvalidValueError(f"model version {version!r} is not a version number")
    else:
        number = operator.index(version)
    if not 1 <= number <= _MAX_VERSION:
        raise InvalidValueError(f"model version {version!r} must be a number from 1")
    return number


def check_description(description: object) -> str:
    """Return ``description`` if it is a string."""
    if not isinstance(description, str):
        raise InvalidValueError(f"description must be a string, got {type(description).__name__}")
    return description


def check_tags(tags: Mapping[str, object] | None, *, allow_delete: bool) -> dict[str, str | None]:
    """Tags as ``{key: text}``; numbers and bools become text.

    With ``allow_delete`` (the update functions) a value of None means "remove this tag".
    """
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise InvalidValueError(f"tags must be a mapping of names to values, got {tags!r}")
    checked: dict[str, str | None] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key.strip() or not _TAG_KEY_RE.match(key):
            raise InvalidValueError(
                f"tag name {key!r} must be a non-blank string of at most 255 characters"
            )
        if value is None and allow_delete:
            checked[key] = None
        elif isinstance(value, str):
            checked[key] = value
        elif isinstance(value, bool | numbers.Number) and not isinstance(value, complex):
            checked[key] = str(value.item() if hasattr(value, "item") else value)
        else:
            hint = " (None removes a tag only in update_model/update_model_version)"
            raise InvalidValueError(
                f"tag {key!r} value {value!r} must be a string, a number or a bool"
                + (hint if value is None else "")
            )
    return checked

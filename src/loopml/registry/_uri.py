"""``models:/`` URIs: how every face of loopml names one version of a registered model.

Three forms, and only these (a URI that means nothing precise is refused, not guessed)::

    models:/churn/3           version 3
    models:/churn@champion    the version the alias ``champion`` points at now
    models:/churn/latest      the highest version number
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loopml.core import InvalidValueError
from loopml.registry._names import LATEST, check_alias, check_model_name, check_version_number

SCHEME = "models:/"
_URI_RE = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>[^/@]+)|@(?P<alias>[^/@]+))$")
_FORMS = "models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest"


@dataclass(frozen=True)
class ModelUri:
    """A parsed ``models:/`` URI: a model name and at most one of version or alias.

    Neither version nor alias means the latest version.
    """

    name: str
    version: int | None = None
    alias: str | None = None

    def __post_init__(self) -> None:
        check_model_name(self.name)
        if self.version is not None and self.alias is not None:
            raise InvalidValueError("a model URI names a version or an alias, not both")
        if self.version is not None:
            check_version_number(self.version)
        if self.alias is not None:
            check_alias(self.alias)

    @property
    def is_latest(self) -> bool:
        """True when the URI means the highest version number."""
        return self.version is None and self.alias is None

    def __str__(self) -> str:
        if self.alias is not None:
            return f"{SCHEME}{self.name}@{self.alias}"
        return f"{SCHEME}{self.name}/{LATEST if self.version is None else self.version}"


def parse_model_uri(uri: str) -> ModelUri:
    """Parse a ``models:/`` URI.

    Raises:
        InvalidValueError: ``uri`` is not one of the three forms, or its name, version or
            alias is malformed (the message shows the forms).
    """
    if not isinstance(uri, str):
        raise InvalidValueError(f"model URI must be a string, got {type(uri).__name__}")
    match = _URI_RE.match(uri)
    if match is None:
        raise InvalidValueError(f"{uri!r} is not a model URI; use {_FORMS}")
    try:
        name = check_model_name(match["name"])
        if match["alias"] is not None:
            return ModelUri(name, alias=check_alias(match["alias"]))
        if match["version"] == LATEST:
            return ModelUri(name)
        if not match["version"].isdigit() or match["version"].startswith("0"):
            raise InvalidValueError(f"version {match['version']!r} is not a version number")
        return ModelUri(name, version=check_version_number(match["version"]))
    except InvalidValueError as exc:
        raise InvalidValueError(f"bad model URI {uri!r}: {exc}; use {_FORMS}") from None

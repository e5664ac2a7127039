"""The one error root of loopml and its tree.

Every error loopml raises on purpose derives from :class:`LoopmlError`, so a caller can catch
all of them at once and the faces (CLI, REST API) can map them to exit codes and HTTP statuses
in one place. Third-party exceptions are translated where loopml calls the library.

::

    LoopmlError
    ├── ConfigurationError          a setting or an argument is not usable
    │   └── InvalidValueError       a value has the wrong type or range (e.g. a text metric)
    │       └── DataValidationError data broke validation rules (carries the report)
    ├── NotFoundError               a named record does not exist (lists what does)
    ├── ConflictError               the record exists already / a concurrent change won
    ├── StoreError                  the metadata store failed
    │   └── SchemaVersionError      the database schema is older or newer than this loopml
    ├── ArtifactError               the artifact store failed
    │   ├── IntegrityError          stored bytes no longer match their sha256
    │   └── UnsafePathError         a name would escape the store (.., absolute, link out)
    └── ModelLoadError              a model cannot be loaded (flavor, untrusted types, import)
"""

from __future__ import annotations

from collections.abc import Iterable


class LoopmlError(Exception):
    """Root of every error loopml raises on purpose."""


class ConfigurationError(LoopmlError):
    """A setting or an argument cannot be used as given."""


class InvalidValueError(ConfigurationError, ValueError):
    """A value has the wrong type, format or range."""


class DataValidationError(InvalidValueError):
    """Data broke the rules it was checked against; ``report`` says which, where and how often."""

    def __init__(self, message: str, *, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class NotFoundError(LoopmlError, LookupError):
    """A named record does not exist.

    The message names what was asked for and, when the candidates are few, what exists, so the
    user can fix a typo without another command.
    """

    def __init__(self, kind: str, name: object, *, available: Iterable[object] | None = None):
        self.kind = kind
        self.name = name
        self.available = [str(a) for a in available] if available is not None else None
        message = f"{kind} {name!r} not found"
        if self.available is not None:
            shown = self.available[:20]
            more = "" if len(self.available) <= 20 else f", ... ({len(self.available)} in all)"
            message += f"; available: {', '.join(shown) if shown else '(none)'}{more}"
        super().__init__(message)


class ConflictError(LoopmlError):
    """The record exists already, or a concurrent change won the race."""


class StoreError(LoopmlError):
    """The metadata store failed (connection, constraint, database error)."""


class SchemaVersionError(StoreError):
    """The database schema does not match this version of loopml."""


class ArtifactError(LoopmlError):
    """The artifact store failed."""


class IntegrityError(ArtifactError):
    """Stored bytes no longer match the sha256 they were stored under."""


class UnsafePathError(ArtifactError, InvalidValueError):
    """A name or a link would make a path outside the store."""


class ModelLoadError(LoopmlError):
    """A model version cannot be loaded (unknown flavor, untrusted types, missing code)."""

"""Read-only views of registry records, returned by the SDK instead of ORM rows.

They are snapshots: a ``ModelVersion`` does not change when an alias moves later; ask the
registry again for the current state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loopml.registry._uri import ModelUri


@dataclass(frozen=True)
class Model:
    """A registered model: a name that owns numbered versions and movable aliases."""

    id: str
    name: str
    description: str
    tags: dict[str, str]
    aliases: dict[str, int]
    """Alias name -> the version number it points at."""
    latest_version: int | None
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class ModelVersion:
    """One immutable version of a model: its artifact, how to load it and where it came from.

    ``signature`` is ``{"inputs": [...], "outputs": [...]}`` with one ``{"name", "type"}``
    entry per column (plus ``"shape"`` for arrays), or ``{}`` when no sample was given.
    ``metrics`` are the source run's latest metric values when the version was registered.
    """

    name: str
    version: int
    flavor: str
    artifact_digest: str
    signature: dict[str, Any]
    source_run_id: str | None
    aliases: tuple[str, ...]
    description: str
    tags: dict[str, str]
    metrics: dict[str, float]
    created_at: int
    id: str
    flavor_config: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def uri(self) -> str:
        """``models:/<name>/<version>``, the URI that always means exactly this version."""
        return str(ModelUri(self.name, version=self.version))

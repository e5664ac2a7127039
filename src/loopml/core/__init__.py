"""Ground floor shared by every stage: settings, errors, ids and hashing."""

from loopml.core._errors import (
    ArtifactError,
    ConfigurationError,
    ConflictError,
    DataValidationError,
    IntegrityError,
    InvalidValueError,
    LoopmlError,
    ModelLoadError,
    NotFoundError,
    SchemaVersionError,
    StoreError,
    UnsafePathError,
)
from loopml.core._files import write_text_atomically
from loopml.core._hashing import is_digest, sha256_bytes, sha256_file, sha256_stream
from loopml.core._ids import new_id, now_ms
from loopml.core._settings import Settings

__all__ = [
    "ArtifactError",
    "ConfigurationError",
    "ConflictError",
    "DataValidationError",
    "IntegrityError",
    "InvalidValueError",
    "LoopmlError",
    "ModelLoadError",
    "NotFoundError",
    "SchemaVersionError",
    "Settings",
    "StoreError",
    "UnsafePathError",
    "is_digest",
    "new_id",
    "now_ms",
    "sha256_bytes",
    "sha256_file",
    "sha256_stream",
    "write_text_atomically",
]

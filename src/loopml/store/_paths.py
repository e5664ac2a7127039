"""Names that users give to stored things, checked so they can never make a path outside a root.

The artifact store itself addresses blobs only by sha256, so a user's name never becomes a path
inside the store. Names still matter where loopml writes files out (downloading a run's
artifacts, unpacking a tree): there every name goes through :func:`safe_relative_path` and the
final path through :func:`join_inside`.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from loopml.core import UnsafePathError


def safe_relative_path(name: str) -> str:
    """Return ``name`` as a normalised relative POSIX path, or raise :class:`UnsafePathError`.

    Rejected: empty names, absolute paths (``/x``, ``C:\\x``, ``\\\\server``), any ``..``
    component, backslashes, NUL and other control characters.
    """
    if not isinstance(name, str) or not name.strip():
        raise UnsafePathError(f"artifact name {name!r} is empty")
    if any(ord(ch) < 32 for ch in name) or "\\" in name:
        raise UnsafePathError(f"artifact name {name!r} has a backslash or a control character")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafePathError(f"artifact name {name!r} is absolute; give a relative name")
    parts = [part for part in PurePosixPath(name).parts if part not in ("", ".")]
    if not parts or ".." in parts:
        raise UnsafePathError(f"artifact name {name!r} climbs out of its folder with '..'")
    return "/".join(parts)


def join_inside(root: str | Path, name: str) -> Path:
    """Join a checked ``name`` to ``root`` and prove the result (links resolved) stays inside."""
    relative = safe_relative_path(name)
    base = Path(root).resolve()
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        raise UnsafePathError(f"artifact name {name!r} resolves outside {base} through a link")
    return target


def files_in_tree(directory: str | Path) -> list[tuple[str, Path]]:
    """List ``(relative name, path)`` of every file below ``directory``, sorted by name.

    Links are followed only while they point inside ``directory``; a link pointing out is
    rejected, so logging a folder can never copy a file from elsewhere on the machine.
    """
    root = Path(directory).resolve()
    if not root.is_dir():
        raise UnsafePathError(f"{directory} is not a directory")
    found: list[tuple[str, Path]] = []
    for current, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(current)
        for entry in [*dirnames, *filenames]:
            path = here / entry
            if path.is_symlink():
                resolved = path.resolve()
                if resolved != root and root not in resolved.parents:
                    raise UnsafePathError(f"{path} is a link pointing outside {root}")
                if resolved.is_dir():
                    found.extend(
                        (f"{path.relative_to(root).as_posix()}/{name}", file)
                        for name, file in files_in_tree(resolved)
                    )
                    continue
            if path.is_file():
                found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)

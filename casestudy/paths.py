"""Project paths and atomic file writes (standard library only, so commands start fast).

>>> from casestudy import paths
>>> paths.raw_dir().parts[-2:]
('data', 'raw')
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def project_root() -> Path:
    """The project folder: ``$CASESTUDY_ROOT`` or the checkout this package lives in."""
    env = os.environ.get("CASESTUDY_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def raw_dir() -> Path:
    return Path(os.environ.get("CASESTUDY_RAW_DIR") or project_root() / "data" / "raw")


def processed_dir() -> Path:
    return project_root() / "data" / "processed"


def figures_dir() -> Path:
    """Where figures go; the report builder points it elsewhere for tests."""
    return Path(os.environ.get("CASESTUDY_FIGURES_DIR") or project_root() / "figures")


def record_dependency(kind: str, path: Path) -> None:
    """Tell the report builder that the running notebook read (``R``) or wrote (``W``) a file.

    The builder sets ``$CASESTUDY_DEPS_FILE`` for each kernel; outside a build this is a no-op.
    """
    deps = os.environ.get("CASESTUDY_DEPS_FILE")
    if deps:
        with open(deps, "a", encoding="utf-8") as fh:
            fh.write(f"{kind} {Path(path).resolve()}\n")


# --------------------------------------------------------------------------- atomic writes

@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    A crash or an exception leaves the old file untouched and no temporary file behind.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def atomic_write(path: str | os.PathLike[str], content: bytes | str) -> Path:
    """Write ``content`` to ``path`` atomically (temporary file, then rename)."""
    with atomic_path(path) as tmp:
        if isinstance(content, str):
            tmp.write_bytes(content.encode("utf-8"))
        else:
            tmp.write_bytes(content)
    return Path(path)



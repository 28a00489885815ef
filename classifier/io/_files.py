"""Files: streamed SHA-256 digests and atomic writes (a temporary file beside the target)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from classifier._errors import DataError


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file, read in blocks (memory stays flat whatever its size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def temp_beside(path: Path) -> tuple[int, str]:
    """Open a hidden temporary file in ``path``'s directory; return its descriptor and name.

    The file gets the mode a plain ``open()`` would give (``mkstemp`` makes it owner-only).
    Renaming it onto ``path`` when complete is atomic on one file system.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, tmp


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash never leaves a half-written file."""
    if not path.parent.is_dir():
        raise DataError(f"{path.parent}: output directory does not exist")
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

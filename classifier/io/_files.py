"""Files: streamed SHA-256 digests and atomic writes (a temporary file beside the target)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
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

    The name, ``.<name>.<pid>.<random>.tmp``, carries the writing process's id: temporary
    files that a killed process (``kill -9``, a crash of the machine) left for the same
    target are removed here when that process is gone. The file gets the mode a plain
    ``open()`` would give (``mkstemp`` makes it owner-only). Renaming it onto ``path`` when
    complete is atomic on one file system.
    """
    path = Path(path)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.",
                               suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, tmp


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove the temporary files of ``path`` whose writing process no longer runs."""
    pattern = re.compile(re.escape(f".{path.name}.") + r"(\d+)\.[A-Za-z0-9_]+\.tmp")
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed  # the writer reports an unusable directory
    for name in names:
        match = pattern.fullmatch(name)
        if match and not _running(int(match.group(1))):
            try:
                os.unlink(path.parent / name)
                removed.append(path.parent / name)
            except OSError:
                pass  # another run cleaned it first, or we may not: not our file to fight for
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process (or not a pid): leave the file alone
    return True


def check_not_input(output: str | Path | None, inputs: Iterable[str | Path | None]) -> None:
    """Refuse an output that is one of the inputs (also through a symbolic or hard link).

    Raises
    ------
    DataError
        If ``output`` exists and is the same file (device and inode) as an input.
    """
    if output is None or str(output) == "-":
        return
    try:
        out = os.stat(output)
    except OSError:
        return  # not there yet: it cannot be an input
    for source in inputs:
        if source is None or str(source) == "-":
            continue
        try:
            same = os.path.samestat(out, os.stat(source))
        except OSError:
            continue
        if same:
            raise DataError(f"-o {output} is the input file {source}: writing it would "
                            "replace the ads; choose another output")


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

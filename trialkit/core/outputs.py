"""Check where a command will write before it writes: never over an input, never a traceback.

Every command that writes files (``analyze``, ``consort``, ``meta``) describes its outputs as
:class:`Output` and calls :func:`check_outputs` before any work, so that a bad path fails at
once with one sentence: an output that is an input file (the data, the plan, the study
file) is refused; a file output needs an existing folder and must not be a folder; a folder
output must not be a file, and the writer of a folder checks every file it will write there
with :func:`check_not_inputs` before writing the first. :func:`writing` turns an
``OSError`` met while writing into the same kind of sentence.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from trialkit.core.errors import DataError


@dataclass(frozen=True)
class Output:
    """One requested output: what it is (for messages), where, and whether it is a folder."""

    kind: str
    path: Path
    folder: bool = False


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def check_outputs(outputs: Iterable[Output], inputs: Iterable[Path | None]) -> None:
    """Raise :class:`DataError` (one sentence) for the first output path that cannot be used.

    Parameters
    ----------
    outputs
        The outputs requested (``None`` paths are not requested and are skipped by callers).
    inputs
        Files the command reads; no output may be one of them.
    """
    sources = [Path(p) for p in inputs if p is not None]
    for out in outputs:
        path = Path(out.path)
        check_not_inputs(out.kind, [path], sources)
        if out.folder:
            if path.exists() and not path.is_dir():
                raise DataError(
                    f"Cannot write the {out.kind} to {path}: it is a file, and the "
                    f"{out.kind} need a folder."
                )
            continue
        if path.is_dir():
            raise DataError(
                f"Cannot write the {out.kind} to {path}: it is a folder; give a file name."
            )
        parent = path.parent
        if not parent.is_dir():
            what = "is a file, not a folder" if parent.exists() else "does not exist"
            raise DataError(f"Cannot write the {out.kind} to {path}: the folder {parent} {what}.")


def check_not_inputs(kind: str, paths: Iterable[Path], inputs: Iterable[Path | None]) -> None:
    """Raise :class:`DataError` if any of ``paths`` (files about to be written) is an input.

    Writers of a folder (CSV tables, figures) call this with every file they will write
    there, before writing the first, so that a folder holding an input is never written over.
    """
    sources = [Path(p) for p in inputs if p is not None]
    for path in paths:
        for src in sources:
            if _same(Path(path), src):
                raise DataError(
                    f"Refusing to write the {kind} to {path}: it is the input file "
                    f"{src.name}, which would be overwritten; choose another path."
                )


@contextmanager
def writing(kind: str, path: Path) -> Iterator[None]:
    """Turn an ``OSError`` raised while writing ``kind`` to ``path`` into a DataError."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataError(f"Cannot write the {kind} to {path}: {reason}.") from exc

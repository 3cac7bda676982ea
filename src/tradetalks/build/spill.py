"""Frames kept on disk while a large build runs: written as Arrow IPC files and memory-mapped back.

A 100k-article build makes about a gigabyte of tables (and as much again of per-article parts
before they are combined). Held in the process's own memory, they all count against whatever
limit the machine or its container sets. Kept here, each is a file the process reads through a
memory mapping: its pages are the file's, which the kernel reads in when a column is used and
may drop again when memory is short, so the build runs in far less memory than its tables take.
The frames are the same: same values, same types (Polars' own string views, read without a
copy), so everything made from them is the same bytes.

Each file is unlinked as soon as it is mapped (the mapping keeps its pages): nothing is left
behind, whatever happens to the build. The directory they are written in holds a lock while in
use; a directory left by a killed build is removed by the next one (`release.remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import polars as pl

SPILL_PREFIX = ".spill-"


def read_mapped(path: Path) -> pl.DataFrame:
    """An Arrow IPC file, memory-mapped: its columns are not copied, and its structure is checked."""
    import pyarrow as pa

    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    table.validate()
    return pl.DataFrame(pl.from_arrow(table, rechunk=False))


def write_ipc(frames: Iterable[pl.DataFrame], path: Path) -> None:
    """One Arrow IPC file of `frames` (one schema), frame by frame, in Polars' own string views."""
    import pyarrow as pa

    writer = None
    with pa.OSFile(str(path), "wb") as sink:
        for df in frames:
            table = df.to_arrow(compat_level=pl.CompatLevel.newest())  # read back without a copy
            if writer is None:
                writer = pa.ipc.new_file(sink, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()


class Spill:
    """A scratch directory whose files hold frames the build reads memory-mapped (see the module)."""

    def __init__(self, parent: Path) -> None:
        parent.mkdir(parents=True, exist_ok=True)
        self.directory = Path(tempfile.mkdtemp(prefix=SPILL_PREFIX, dir=parent))
        try:
            self._lock = open(self.directory / ".in-use", "a")  # noqa: SIM115 - held until close()
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        except OSError:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        self._n = 0
        self.failed: OSError | None = None  # why frames stay in memory from now on (a full disk, say)

    @classmethod
    def open(cls, parent: Path) -> Spill | None:
        """A spill directory in `parent`, or None where none can be made (the frames then stay in memory)."""
        try:
            return cls(parent)
        except OSError:
            return None

    def keep(self, df: pl.DataFrame) -> pl.DataFrame:
        """`df`, the same frame, its columns now read from a file: drop `df` to free its memory."""
        return self.keep_frames([df])

    def keep_frames(self, frames: list[pl.DataFrame]) -> pl.DataFrame:
        """`frames` (one schema) one after the other in one frame read from a file, without
        concatenating them in memory first: drop them to free their memory."""
        if len(frames) == 1 and (frames[0].width == 0 or frames[0].height == 0):
            return frames[0]
        if self.failed is None:
            self._n += 1
            path = self.directory / f"{self._n}.arrow"
            try:
                write_ipc(frames, path)
                return read_mapped(path)
            except OSError as exc:  # no room on the disk, say: the build goes on in memory, as a small one does
                self.failed = exc
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(path)
        return pl.concat(frames, how="vertical", rechunk=True) if len(frames) > 1 else frames[0]

    def close(self) -> None:
        """Remove the directory (frames already mapped stay readable: their files are unlinked, not unmapped)."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self._lock.close()


@contextlib.contextmanager
def spilling(parent: Path, wanted: bool):
    """A `Spill` in `parent` while the block runs when `wanted` (and one can be made), else None."""
    spill = Spill.open(parent) if wanted else None
    try:
        yield spill
    finally:
        if spill is not None:
            spill.close()

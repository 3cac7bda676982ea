"""Where the commands may write: checked before anything is written or deleted.

A pull request can commit anything, a symbolic link named `build` included (`.gitignore`'s
`/build/` does not stop a link from being committed). So the default output folders (the working
build, the cache, the site) are used only when every folder on the way from the repository's root
is a real directory inside it; a path the user names is used as named. Either way nothing is
ever written inside a published release (`release/`), however the path reaches it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tradetalks.errors import DatasetError

DEFAULT_BUILD = Path("build")


def output_dir(root: Path, named: Path | None, default: Path) -> Path:
    """The directory an output goes to: `named` when the user named one, else `root/default`.

    Raises DatasetError, naming the path and what it found, when the default path leaves the
    repository through a symbolic link or a file, or when either path lies inside release/.
    """
    root = Path(root)
    if named is not None:
        target = Path(named)
    else:
        target = root / default
        _real_folders(root, default)
    _outside_releases(root, target)
    return target


def _real_folders(root: Path, relative: Path) -> None:
    """Every existing folder from root down to root/relative is a real directory, not a link."""
    here = root
    for part in relative.parts:
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except FileNotFoundError:
            return  # made as a real directory when it is first written
        if stat.S_ISLNK(mode):
            raise DatasetError.one(
                str(here),
                None,
                None,
                f"is a symbolic link (to {os.readlink(here)}); outputs go only to real directories inside the repository: "
                "remove the link (`build/` is made again at the next build), or name an output path yourself",
            )
        if not stat.S_ISDIR(mode):
            raise DatasetError.one(str(here), None, None, "is not a directory; outputs go under it: move the file away")


def _outside_releases(root: Path, target: Path) -> None:
    published = (root / "release").resolve()
    where = target.resolve()
    if where == published or published in where.parents:
        raise DatasetError.one(
            str(target), None, None, f"resolves to {where}, inside release/, which holds published releases that are never rewritten; write elsewhere"
        )


@contextlib.contextmanager
def scratch_dir(root: Path) -> Iterator[Path | None]:
    """A private directory under build/ for a run's intermediate files, deleted when the run ends;
    None when build/ may not be written (see `output_dir`). One left by a run that was killed is
    deleted by the next (its name holds the process id)."""
    try:
        base = output_dir(Path(root), None, DEFAULT_BUILD)
        base.mkdir(parents=True, exist_ok=True)
        for old in base.glob(".parts-*-*"):
            pid = old.name.split("-")[1]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        path = Path(tempfile.mkdtemp(prefix=f".parts-{os.getpid()}-", dir=base))
    except (DatasetError, OSError):
        yield None
        return
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

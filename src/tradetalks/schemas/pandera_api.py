"""pandera's Polars API, imported without pandera's pandas half: `from tradetalks.schemas.pandera_api import pa`.

`import pandera.polars` runs pandera/__init__.py, which imports numpy, pandas and pandera's pandas
API (hypothesis strategies included) whenever they are installed: about 1 s of a 2 s build, for
an API the build never uses. pandera supports installs without pandas: its __init__ catches the
"No module named 'pandas'" (or 'numpy') ImportError and sets up the Polars-only namespace. While
pandera is being imported here, its own `import pandas` / `import numpy` statements get that
answer. Only imports made from pandera's modules, only during this import: other modules (and
other threads) import pandas as usual, during and after it, so `load(to="pandas")` and the tests
are unaffected. Left as is in the same process afterwards: pandera's pandas API (`pandera.pandas`,
`pandera.typing.DataFrame`) is missing. If pandas was imported first, pandera is imported as usual.
"""

from __future__ import annotations

import importlib.abc
import sys
from types import FrameType

# What pandera/__init__.py treats as "not installed" (it checks the message's start).
_WITHOUT = ("numpy", "pandas")


class _PolarsOnly(importlib.abc.MetaPathFinder):
    """Answers "No module named ..." to numpy and pandas when (and only when) pandera imports them."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname.partition(".")[0] in _WITHOUT and _importer_is_pandera(sys._getframe(1)):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def _importer_is_pandera(frame: FrameType | None) -> bool:
    """The first frame outside the import machinery belongs to one of pandera's modules."""
    while frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
        frame = frame.f_back
    name = frame.f_globals.get("__name__", "") if frame is not None else ""
    return name == "pandera" or name.startswith("pandera.")


def _import_polars_only() -> None:
    if "pandera" in sys.modules or "pandas" in sys.modules:
        return  # already imported, or pandas is loaded anyway: nothing to save
    import polars  # noqa: F401 - first, so that Polars sees numpy and pandas as they are

    finder = _PolarsOnly()
    sys.meta_path.insert(0, finder)
    try:
        import pandera.polars  # noqa: F401
    finally:
        sys.meta_path.remove(finder)


_import_polars_only()

import pandera.polars as pa  # noqa: E402

__all__ = ["pa"]

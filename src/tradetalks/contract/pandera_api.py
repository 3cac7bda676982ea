"""pandera's Polars API, imported without pandera's pandas half: `from tradetalks.contract.pandera_api import pa`.

`import pandera.polars` runs pandera/__init__.py, which imports numpy, pandas and pandera's pandas
API whenever they are installed, and the first validation imports hypothesis (for pandera's data
synthesis): 0.5 s of a build on a quiet machine, over 1 s under load, for features the build never
uses. pandera supports installs without them: its __init__ catches "No module named 'pandas'" (or
'numpy') and sets up the Polars-only namespace, and pandera.strategies notes that hypothesis is
missing. While pandera is imported here, its own imports of those packages get that answer. Only
imports made from pandera's modules, only during this import: other modules (and other threads)
import pandas, numpy and hypothesis as usual, during and after it, so `load(to="pandas")` and the
tests are unaffected. What stays missing in this process: pandera's pandas API (`pandera.pandas`,
`pandera.typing.DataFrame`) and its data synthesis (`schema.strategy()`). If pandas was imported
before, pandera is imported as usual: there would be nothing to save.
"""

from __future__ import annotations

import importlib.abc
import sys
from types import FrameType

# What pandera treats as "not installed" when the import fails with "No module named ...".
_WITHOUT = ("numpy", "pandas", "hypothesis")


class _PolarsOnly(importlib.abc.MetaPathFinder):
    """Answers "No module named ..." to numpy, pandas and hypothesis when (and only when) pandera imports them."""

    def __init__(self, without: tuple[str, ...]):
        self.without = without

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname.partition(".")[0] in self.without and _importer_is_pandera(sys._getframe(1)):
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

    # A package already loaded is left alone (its submodules must stay importable).
    finder = _PolarsOnly(tuple(name for name in _WITHOUT if name not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        import pandera.polars  # noqa: F401
        import pandera.strategies.base_strategies  # noqa: F401 - imported by the first validation; hypothesis only here
        from pandera.backends import register_checks

        # The first check asks (once, cached) whether pandas' types apply to the frame: asked
        # here, the answer is "pandas is not installed", and the first validation imports no pandas.
        getattr(register_checks, "_load_get_backend_types_from_mro", lambda: None)()
    finally:
        sys.meta_path.remove(finder)


_import_polars_only()

import pandera.polars as pa  # noqa: E402

__all__ = ["pa"]

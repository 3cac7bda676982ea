"""tradetalks: news coverage of the October 2025 US-China trade talks, with provenance for every row.

    import tradetalks
    quotes = tradetalks.load("quotes")        # polars DataFrame
    con = tradetalks.connect()                # DuckDB, one view per table
    print(tradetalks.describe("quotes"))      # what every column means, and the values it allows
    print(tradetalks.describe())              # every table
    print(tradetalks.card())                  # the dataset card: sources, limits, licence, citation
    tradetalks.fetch("1.0.0", whole=True)     # a pinned version's every file (card, CSVs...), checked

Light on purpose: importing this package imports the standard library only (no polars, pandas,
duckdb, pandera, jsonschema or build code); each is imported when a function needs it.
"""

from tradetalks.__about__ import __version__
from tradetalks.load import IntegrityError, ReleaseError, card, connect, describe, fetch, load, release_dir, tables

__all__ = ["__version__", "load", "connect", "tables", "describe", "card", "release_dir", "fetch", "ReleaseError", "IntegrityError"]

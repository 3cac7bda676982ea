"""tradetalks: news coverage of the October 2025 US-China trade talks, with provenance for every row.

    import tradetalks
    quotes = tradetalks.load("quotes")        # polars DataFrame
    con = tradetalks.connect()                # DuckDB, one view per table

Light on purpose: importing this package does not import the build (pandera, jsonschema...).
"""

from tradetalks.__about__ import __version__

__all__ = ["__version__"]

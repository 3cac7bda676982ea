"""The dataset's facts every format states: title, description, licence, citation, keys and references."""

from __future__ import annotations

import re

HOMEPAGE = "https://github.com/tradetalks/tradetalks"
TITLE = "tradetalks: news coverage of the October 2025 US-China trade talks, with provenance"
DESCRIPTION = (
    "A versioned, provenance-first dataset of news coverage of the October 2025 US-China trade talks: "
    "articles, people, quotes, events, tariff and trade measures (threatened ones included), and the evidence "
    "spans that support them. Every row points at the exact characters of a source article that support it "
    "(articles.text[char_start:char_end] == evidence), and every release is byte-for-byte reproducible."
)
LICENSE_NOTE = (
    "Annotations and derived tables: CC BY 4.0. The raw article texts (articles.text and the evidence spans "
    "quoted from them) remain the property of their publishers, who keep all their rights; they are included "
    "for research under fair use / quotation exceptions. Reuse of the texts themselves needs the publishers' permission."
)
CITE_AS = "tradetalks contributors ({year}). tradetalks: news coverage of the October 2025 US-China trade talks, version {version}. " + HOMEPAGE
# The facts CITATION.cff states too (tests/test_citation.py keeps the two in step).
AUTHORS = "tradetalks contributors"
DATA_LICENSE = "CC-BY-4.0"
CODE_LICENSE = "MIT"
KEYWORDS = ["trade", "tariffs", "news", "provenance", "dataset"]
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"

# References the foreign keys (tradetalks.contract.tables.FOREIGN_KEYS) cannot state: the row they
# name lies in the table their row's subject_table says.
OTHER_REFERENCES = [
    "evidence.subject_id -> people.person_id, events.event_id or tariff_measures.measure_id, by evidence.subject_table",
    "disputes.subject_id -> events.event_id or tariff_measures.measure_id, by disputes.subject_table",
]


def citation_year(date: str | None) -> str:
    """The year a version is cited with: its release date's year ('n.d.' for an undated working build)."""
    return date[:4] if date else "n.d."


def release_date(changelog: str, version: str) -> str | None:
    """The date on the CHANGELOG heading of `version` ('## 1.0.0 - 2025-11-02' or '## 1.0.0 (2025-11-02)'), if any."""
    m = re.search(rf"^## \[?{re.escape(version)}\]?[ \t]*(?:[-\u2013(][ \t]*)?(\d{{4}}-\d{{2}}-\d{{2}})", changelog, re.M)
    return m.group(1) if m else None

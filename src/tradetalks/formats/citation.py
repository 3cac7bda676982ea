"""How to cite a version: BibTeX, APA and CITATION.cff text, from the facts in `metadata` and a release date.

Standard library only: `tradetalks cite` uses it without the build dependencies. The year is the
release date's (from the version's CHANGELOG entry), never a fixed one.
"""

from __future__ import annotations

import json
import re

from tradetalks.formats.metadata import (
    AUTHORS,
    CITE_AS,
    CODE_LICENSE,
    DATA_LICENSE,
    DESCRIPTION,
    HOMEPAGE,
    KEYWORDS,
    TITLE,
    citation_year,
)

FORMATS = ("bibtex", "apa", "cff")


def release_url(version: str) -> str:
    """The GitHub release of a published version; the repository for a working build ("dev")."""
    return f"{HOMEPAGE}/releases/tag/v{version}" if re.fullmatch(r"\d+\.\d+\.\d+", version) else HOMEPAGE


def bibtex_key(version: str) -> str:
    return "tradetalks_" + version.replace(".", "_")


def bibtex(version: str, date: str | None) -> str:
    """A BibTeX @misc entry (readable by BibTeX and biblatex alike)."""
    fields = [
        ("author", "{" + AUTHORS + "}"),  # braces: a group name, not "contributors, tradetalks"
        ("title", _title_braced()),
        ("year", citation_year(date)),
        ("version", version),
        ("publisher", "GitHub"),
        ("url", release_url(version)),
        ("howpublished", "\\url{" + HOMEPAGE + "}"),
        ("note", f"Version {version}" + (f", released {date}" if date else ", unreleased working build") + f". Data {DATA_LICENSE}, code {CODE_LICENSE}"),
    ]
    body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(version)},\n{body}\n}}"


def _title_braced() -> str:
    # Protect the proper nouns and the acronym from BibTeX styles that lowercase titles.
    return TITLE.replace("US-China", "{US}--{China}").replace("October", "{October}").replace("tradetalks:", "{tradetalks}:")


def apa(version: str, date: str | None) -> str:
    """APA 7th style for a dataset: Author. (Year). *Title* (Version X) [Data set]. Publisher. URL"""
    return f"{AUTHORS}. ({citation_year(date)}). {TITLE} (Version {version}) [Data set]. GitHub. {release_url(version)}"


def plain(version: str, date: str | None) -> str:
    """The one-line citation the card and Croissant's citeAs carry."""
    return CITE_AS.format(year=citation_year(date), version=version)


def cff(version: str, date: str | None) -> str:
    """A CITATION.cff (1.2.0) for `version`: the repository's file as it reads at that release."""
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this dataset, please cite it as below, with the version you used."',
        "type: dataset",
        f"title: {_q(TITLE)}",
        f"abstract: {_q(DESCRIPTION)}",
        "authors:",
        f"  - name: {_q(AUTHORS)}",
        f"version: {_q(version)}",
        *([f"date-released: {_q(date)}"] if date else []),
        f"license: {DATA_LICENSE}",
        f"repository-code: {_q(HOMEPAGE)}",
        f"url: {_q(release_url(version))}",
        "keywords:",
        *(f"  - {_q(k)}" for k in KEYWORDS),
    ]
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def render(fmt: str, version: str, date: str | None) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return {"bibtex": bibtex, "apa": apa, "cff": cff}[fmt](version, date)

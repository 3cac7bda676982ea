"""Stable ids from natural keys, never from row order: a changed id is a breaking change."""

from __future__ import annotations

import hashlib


def stable_id(prefix: str, *parts: object) -> str:
    """`prefix` + '_' + 16 hex digits of sha256 over the parts (unit-separator joined)."""
    # Text parts (most of them) as they are: str() of a str is the str itself, only slower to ask for.
    key = "\x1f".join([p if type(p) is str else str(p) for p in parts])
    return f"{prefix}_{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


# The ids made for every row of a chunk: stable_id's, with the key written in one step (an
# f-string formats text and integers as str() does).


def evidence_id(subject_table: str, subject_id: str, article_id: str, char_start: int, char_end: int, claim_field: str | None) -> str:
    """stable_id("ev", subject_table, subject_id, article_id, char_start, char_end, claim_field or "")."""
    key = f"{subject_table}\x1f{subject_id}\x1f{article_id}\x1f{char_start}\x1f{char_end}\x1f{claim_field or ''}"
    return f"ev_{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


def quote_id(article_id: str, char_start: int, char_end: int) -> str:
    """stable_id("q", article_id, char_start, char_end)."""
    key = f"{article_id}\x1f{char_start}\x1f{char_end}"
    return f"q_{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"
